/* The case page: add and remove rows of an itemised list (a supplement notice lists every
 * item at once, 一次性告知), and the running total of a scoring sheet. Each row is one text input with the field's name, so the server
 * receives the items as a list. No inline handlers (CSP script-src 'self'). */
(function () {
  'use strict';

  function renumber(list) {
    Array.prototype.slice.call(list.querySelectorAll('[data-cf-item]')).forEach(function (row, i) {
      var number = row.querySelector('[data-cf-item-number]');
      if (number) { number.textContent = String(i + 1); }
      var input = row.querySelector('input');
      if (input && input.dataset.cfLabel) {
        input.setAttribute('aria-label', input.dataset.cfLabel + ' ' + (i + 1));
      }
    });
  }

  function prepare(group) {
    var list = group.querySelector('[data-cf-item-list]');
    Array.prototype.slice.call(list.querySelectorAll('[data-cf-item] input')).forEach(function (input) {
      input.dataset.cfLabel = (input.getAttribute('aria-label') || '').replace(/\s*\d+$/, '');
    });
    group.addEventListener('click', function (event) {
      var add = event.target.closest('[data-cf-add-item]');
      var remove = event.target.closest('[data-cf-remove-item]');
      if (add) {
        var rows = list.querySelectorAll('[data-cf-item]');
        var row = rows[rows.length - 1].cloneNode(true);
        var input = row.querySelector('input');
        input.value = '';
        input.classList.remove('is-invalid');
        list.appendChild(row);
        renumber(list);
        input.focus();
      } else if (remove) {
        var item = remove.closest('[data-cf-item]');
        if (list.querySelectorAll('[data-cf-item]').length > 1) {
          item.remove();
        } else {
          item.querySelector('input').value = '';
        }
        renumber(list);
        var last = list.querySelector('[data-cf-item]:last-child input');
        if (last) { last.focus(); }
      }
    });
    group.addEventListener('keydown', function (event) {
      // Enter in an item adds the next item instead of submitting the form.
      if (event.key === 'Enter' && event.target.matches('[data-cf-item] input')) {
        event.preventDefault();
        group.querySelector('[data-cf-add-item]').click();
      }
    });
  }

  Array.prototype.slice.call(document.querySelectorAll('[data-cf-items]')).forEach(prepare);

  /* A scoring sheet's total follows the points as they are typed (the server adds them up
   * again and checks every row when the sheet is signed). */
  Array.prototype.slice.call(document.querySelectorAll('[data-cf-sheet-total]')).forEach(function (cell) {
    var table = cell.closest('table');
    function update() {
      var total = 0, given = false;
      Array.prototype.slice.call(table.querySelectorAll('input[type=number]')).forEach(function (input) {
        var points = parseInt(input.value, 10);
        if (!isNaN(points)) { total += points; given = true; }
      });
      cell.textContent = given ? String(total) : '\u2014';
    }
    table.addEventListener('input', update);
  });
})();
