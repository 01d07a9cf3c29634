"""Case management with consent-based referrals."""
