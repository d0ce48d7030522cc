import { Alert, Button } from '@mui/material';
import { Link } from 'react-router-dom';

import { useHasTwoFactor } from '../me/common';

/** Staff routes refuse staff without a second factor (403 STAFF_2FA_REQUIRED): say so, and where to fix it. */
export function StaffTwoFactorNotice() {
  const hasTwoFactor = useHasTwoFactor();
  if (hasTwoFactor !== false) {
    return null;
  }
  return (
    <Alert
      severity="warning"
      sx={{ mt: 2 }}
      data-testid="staff-2fa-required"
      action={
        <Button component={Link} to="/me/security" color="inherit" size="small">
          Set up 2FA
        </Button>
      }
    >
      Staff must use two-factor authentication to work on tickets and look up users. Set up an authenticator app in My account → Security,
      then come back.
    </Alert>
  );
}
