import { Button, Typography } from '@mui/material';
import { useState } from 'react';

import { api } from '../api';
import { Outcome, PublicCard, SignInButton, codeOf, messageOf, useToken } from './ui';

/**
 * The cancel link of a scheduled account deletion: the token alone stops it, no sign-in needed
 * (the deletion ended every session). One button, so a mail scanner that opens links changes nothing.
 */
export function CancelDeletionPage() {
  const token = useToken();
  const [failure, setFailure] = useState<unknown>(token ? undefined : new Error('no token'));
  const [cancelled, setCancelled] = useState(false);
  const [busy, setBusy] = useState(false);

  const cancel = async () => {
    setBusy(true);
    try {
      await api('/deletion/cancel', { method: 'POST', body: { token } });
      setCancelled(true);
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  };

  let body;
  if (cancelled) {
    body = (
      <Outcome severity="success" title="Your account will not be deleted." actions={<SignInButton />}>
        Nothing was erased: sign in as before. If you did not ask for the deletion, change your password and keep two-factor authentication on.
      </Outcome>
    );
  } else if (failure !== undefined) {
    body = (
      <Outcome
        severity="error"
        title={codeOf(failure) === 'DELETION_LINK_INVALID' || !token ? 'This cancel link is no longer valid.' : messageOf(failure)}
        actions={<SignInButton variant="outlined" />}
      >
        It was used already, the deletion was cancelled another way, or the account has already been deleted. If your account still exists, sign
        in: the console offers to cancel a pending deletion.
      </Outcome>
    );
  } else {
    body = (
      <>
        <Typography gutterBottom>
          You asked to delete your account. Until the date in the email, you can still keep it: nothing has been erased yet.
        </Typography>
        <Button variant="contained" fullWidth disabled={busy} onClick={() => void cancel()}>
          Cancel the deletion
        </Button>
      </>
    );
  }
  return (
    <PublicCard title="Keep your account" testId="cancel-deletion">
      {body}
    </PublicCard>
  );
}
