"""Navigation by role and the "what you can do" list on each home page: data, not template ifs."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class NavItem:
    label: object
    endpoint: str
    permission: str | None = None  # None = everyone logged in


NAV = (
    NavItem(_l("Home"), "main.home"),
    NavItem(_l("Inbox"), "review.inbox", "review.inbox"),
    NavItem(_l("Expert pool"), "review.experts", "review.experts"),
    NavItem(_l("My conflicts of interest"), "review.my_conflicts", "review.conflicts"),
    NavItem(_l("My cases"), "applicant.cases", "applicant.cases"),
    NavItem(_l("New application"), "applicant.new_application", "case.create"),
    NavItem(_l("Users"), "admin.users", "admin.users"),
    NavItem(_l("Organisations"), "admin.organisations", "admin.organisations"),
    NavItem(_l("Policy data"), "admin.policy_data", "admin.policy"),
    NavItem(_l("All cases"), "audit.cases", "audit.cases"),
    NavItem(_l("Sign-in records"), "audit.auth_events", "audit.auth_events"),
    NavItem(_l("My account"), "auth.account"),
)

# What each role may do, shown on the home page. Later issues add links as the features land.
CAPABILITIES = {
    "applicant": (
        _l("File applications and claims for your organisation, edit drafts and submit them."),
        _l("Answer supplement notices item by item, withdraw before a decision."),
    ),
    "city_reviewer": (
        _l("Review the cases of your city at the city stage: recommend, return or reject."),
    ),
    "province_reviewer": (
        _l("Review cases at the provincial stage, assign experts, open calls and review cycles."),
    ),
    "leader": (_l("Take decisions and extend time limits once."),),
    "expert": (_l("Score the cases assigned to you on the scoring sheet."),),
    "finance_reviewer": (_l("Sign off subsidy claims for finance and record payments."),),
    "government": (_l("Give the final approval of technician colleges."),),
    "inspector": (_l("Record the results of inspections assigned to you."),),
    "auditor": (
        _l("Read every case and trace its full history; verify the audit chain."),
        _l("Review sign-in records."),
    ),
    "admin": (
        _l("Manage users, organisations and policy data."),
        _l("Administrators cannot approve cases or alter audit records."),
    ),
}


def navigation_for(user):
    from caseflow.authz import can

    return [item for item in NAV if item.permission is None or can(user, item.permission)]
