"""Accounts and security pages. Included by tutela.core.urls, inside the "core" namespace.

The paths under /account/two-factor/ and /logout/ are the ones TwoFactorMiddleware lets a user
reach before they have set up two-factor authentication.
"""

from django.urls import path

from tutela.core.views import accounts, jobs, tokens

urlpatterns = [
    path("login/", accounts.login_view, name="login"),
    path("login/two-factor/", accounts.two_factor_verify, name="two_factor_verify"),
    path("logout/", accounts.logout_view, name="logout"),
    path("account/", accounts.profile, name="profile"),
    path("account/password/", accounts.password_change, name="password_change"),
    path("account/password/done/", accounts.password_change_done, name="password_change_done"),
    path("account/two-factor/", accounts.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/disable/", accounts.two_factor_disable, name="two_factor_disable"),
    path("account/tokens/", tokens.token_list, name="tokens"),
    path("account/tokens/<int:pk>/revoke/", tokens.token_revoke, name="token_revoke"),
    path("account/tokens/revoke-all/", tokens.token_revoke_all, name="token_revoke_all"),
    path("o/<slug:slug>/users/", accounts.users, name="users"),
    path("o/<slug:slug>/users/invite/", accounts.user_invite, name="user_invite"),
    path("o/<slug:slug>/users/<int:pk>/", accounts.user_detail, name="user_detail"),
    path(
        "o/<slug:slug>/users/<int:pk>/deactivate/",
        accounts.user_deactivate,
        name="user_deactivate",
    ),
    path(
        "o/<slug:slug>/users/<int:pk>/reactivate/",
        accounts.user_reactivate,
        name="user_reactivate",
    ),
    path(
        "o/<slug:slug>/users/<int:pk>/tokens/<int:token_pk>/revoke/",
        tokens.user_token_revoke,
        name="user_token_revoke",
    ),
    path(
        "o/<slug:slug>/users/<int:pk>/tokens/revoke-all/",
        tokens.user_token_revoke_all,
        name="user_token_revoke_all",
    ),
    path(
        "o/<slug:slug>/invitations/<int:pk>/revoke/",
        accounts.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitation/<str:token>/", accounts.invitation_accept, name="invitation_accept"),
    path("jobs/", jobs.job_list, name="jobs"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job_detail"),
    path("jobs/<int:pk>/progress/", jobs.job_progress, name="job_progress"),
]
