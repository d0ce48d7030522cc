import { CircularProgress } from '@mui/material';
import { useEffect, useRef, useState } from 'react';

import { api } from '../api';
import { Outcome, PublicCard, SignInButton, useToken } from './ui';

/** The sign-up confirmation link: confirmed on arrival, as people expect of this link. */
export function VerifyEmailPage() {
  const token = useToken();
  const [state, setState] = useState<'working' | 'done' | 'failed'>(token ? 'working' : 'failed');
  const sent = useRef(false);

  useEffect(() => {
    if (!token || sent.current) {
      return;
    }
    sent.current = true;
    api('/auth/verify-email', { method: 'POST', body: { token } })
      .then(() => setState('done'))
      .catch(() => setState('failed'));
  }, [token]);

  return (
    <PublicCard title="Confirm your email address" testId="verify-email">
      {state === 'working' && <CircularProgress aria-label="Confirming" />}
      {state === 'done' && (
        <Outcome severity="success" title="Your email address is confirmed." actions={<SignInButton />}>
          Your account is ready: sign in to continue.
        </Outcome>
      )}
      {state === 'failed' && (
        <Outcome severity="error" title="This confirmation link is invalid, used or expired." actions={<SignInButton variant="outlined" />}>
          A link works once, within 24 hours. If you confirmed your address already, just sign in.
        </Outcome>
      )}
    </PublicCard>
  );
}
