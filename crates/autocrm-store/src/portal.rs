//! Customer portal accounts: sign-in links, password resets, OIDC providers and logins; satisfaction ratings.
