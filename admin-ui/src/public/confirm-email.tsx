import { Button, Typography } from '@mui/material';
import { useState } from 'react';

import { api } from '../api';
import { Outcome, PageButton, PublicCard, SignInButton, codeOf, messageOf, useToken } from './ui';

/** The link sent to a new address: one click makes it the sign-in address. */
export function ConfirmEmailPage() {
  const token = useToken();
  const [email, setEmail] = useState<string>();
  const [failure, setFailure] = useState<{ invalid: boolean; message: string }>();
  const [busy, setBusy] = useState(false);

  const confirm = async () => {
    setBusy(true);
    try {
      const user = await api<{ email: string }>('/me/email/confirm', { method: 'POST', body: { token } });
      setEmail(user.email);
    } catch (err) {
      setFailure({ invalid: codeOf(err) === 'INVALID_TOKEN', message: messageOf(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <PublicCard title="Confirm your new email address" testId="confirm-email">
      {email ? (
        <Outcome severity="success" title={`Your email address is now ${email}.`} actions={<SignInButton />}>
          Sign in with it from now on. Your old address no longer signs in, and it was told about the change.
        </Outcome>
      ) : !token || failure?.invalid ? (
        <Outcome severity="error" title="This link is invalid, used or expired." actions={<PageButton to="/me" variant="outlined">Start again from My account</PageButton>}>
          A link works once, within 24 hours, and only the newest one works. Until a new address is confirmed, your current address keeps working.
        </Outcome>
      ) : (
        <>
          <Typography variant="body2" sx={{ mb: 2 }}>
            Confirm that you want to sign in with this address from now on. Until you do, your current address keeps working.
          </Typography>
          {failure && <Outcome severity="error" title={failure.message} />}
          <Button variant="contained" fullWidth onClick={() => void confirm()} disabled={busy}>
            Confirm my new address
          </Button>
        </>
      )}
    </PublicCard>
  );
}
