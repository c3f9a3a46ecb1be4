/* The application form (templates/applicant/filing_form.html): as the applicant types,
 *  - the workflow's check (e.g. the school standards) is refreshed after a short pause:
 *    the form is posted to data-cf-check-url, which answers {html, rows, mu};
 *  - a saved draft (data-cf-autosave-url) is saved after a longer pause: 200 {version, message},
 *    409 when the case changed elsewhere (autosave stops), 422 {errors} per field (nothing saved).
 * Both posts carry the form's CSRF token. Without JavaScript the page works as a plain form.
 * No inline handlers (CSP script-src 'self'). */
(function () {
  'use strict';

  var CHECK_DELAY = 400;
  var SAVE_DELAY = 2000;
  var form = document.getElementById('application-form');
  if (!form) { return; }
  var checkUrl = form.dataset.cfCheckUrl;
  var saveUrl = form.dataset.cfAutosaveUrl;
  var reference = form.dataset.cfReference;
  var status = form.querySelector('[data-cf-autosave-status]');
  var checkTimer = null;
  var saveTimer = null;
  var checkSeq = 0;
  var saving = null;  // the autosave in flight (a promise)
  var again = false;  // the form changed while saving
  var stopped = false;

  function post(url) {
    var body = new FormData(form);
    if (reference) { body.append('reference', reference); }
    return fetch(url, {
      method: 'POST',
      body: body,
      credentials: 'same-origin',
      headers: { 'Accept': 'application/json', 'X-Requested-With': 'fetch' }
    }).then(function (response) {
      var type = response.headers.get('Content-Type') || '';
      if (type.indexOf('json') === -1) { return { status: response.status, body: null }; }
      return response.json().then(function (json) { return { status: response.status, body: json }; });
    });
  }

  function say(text) {
    if (status) { status.textContent = text || ''; }
  }

  function refreshCheck() {
    var seq = ++checkSeq;
    post(checkUrl).then(function (answer) {
      if (seq !== checkSeq || answer.status !== 200 || !answer.body) { return; }
      var target = document.querySelector('[data-cf-check-target]');
      if (target && answer.body.html) { target.innerHTML = answer.body.html; }
      var mu = answer.body.mu || {};
      Object.keys(mu).forEach(function (name) {
        var hint = form.querySelector('[data-cf-mu-for="' + name + '"]');
        if (hint) { hint.textContent = mu[name]; }
      });
    }).catch(function () { /* the table stays as it was; Save draft refreshes it */ });
  }

  function showErrors(errors) {
    Array.prototype.slice.call(form.querySelectorAll('[data-cf-errors-for]')).forEach(function (box) {
      var name = box.dataset.cfErrorsFor;
      var message = errors[name.replace(/^f_/, '')];
      var input = form.elements[name];
      box.textContent = message || '';
      box.classList.toggle('d-block', Boolean(message));
      if (input && input.classList) { input.classList.toggle('is-invalid', Boolean(message)); }
    });
  }

  function save() {
    if (stopped) { return Promise.resolve(); }
    if (saving) { again = true; return saving; }
    say(form.dataset.cfMsgSaving);
    saving = post(saveUrl).then(function (answer) {
      var body = answer.body || {};
      if (answer.status === 200) {
        form.elements.version.value = body.version;
        showErrors({});
        say(body.message);
      } else if (answer.status === 422) {
        showErrors(body.errors || {});
        say(form.dataset.cfMsgFailed);
      } else if (answer.status === 409) {
        stopped = true;
        say(form.dataset.cfMsgStale);
      } else {
        say(body.message || form.dataset.cfMsgError);
      }
    }).catch(function () {
      say(form.dataset.cfMsgError);
    }).then(function () {
      saving = null;
      if (again) { again = false; return save(); }
    });
    return saving;
  }

  function changed() {
    if (checkUrl) {
      clearTimeout(checkTimer);
      checkTimer = setTimeout(refreshCheck, CHECK_DELAY);
    }
    if (saveUrl && !stopped) {
      clearTimeout(saveTimer);
      saveTimer = setTimeout(save, SAVE_DELAY);
    }
  }

  form.addEventListener('input', changed);
  form.addEventListener('change', changed);
  form.addEventListener('submit', function (event) {
    // "Save draft" posts the version the last autosave returned: wait for one in flight.
    clearTimeout(saveTimer);
    if (saving) {
      event.preventDefault();
      again = false;
      saving.then(function () { form.submit(); });
    }
  });
})();
