import { Box, Card, CardContent, Typography } from '@mui/material';
import { useLogout } from 'react-admin';
import { Button } from '@mui/material';

import { forgetMemberships } from '../account';
import { Passkeys } from './passkeys';
import { TotpSetup } from './totp-setup';

/** The restricted session of `mfa_setup_required`: nothing else works until a factor is set up. */
export function SetupRequired() {
  const logout = useLogout();
  const proceed = () => {
    forgetMemberships();
    window.location.hash = '#/';
    window.location.reload();
  };
  return (
    <Box sx={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', bgcolor: 'grey.100', p: 2 }}>
      <Card sx={{ width: '100%', maxWidth: 520 }}>
        <CardContent>
          <Typography variant="h5" component="h1" gutterBottom>
            Set up two-factor authentication
          </Typography>
          <Typography variant="body2" sx={{ mb: 2 }}>
            An account you belong to requires a second factor. Set one up to continue.
          </Typography>
          <TotpSetup onDone={proceed} />
          <Passkeys onChange={() => undefined} onContinue={proceed} />
          <Button sx={{ mt: 2 }} onClick={() => logout()}>
            Sign out
          </Button>
        </CardContent>
      </Card>
    </Box>
  );
}
