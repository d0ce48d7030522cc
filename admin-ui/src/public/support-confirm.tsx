import { Button, Typography } from '@mui/material';
import { useState } from 'react';

import { api } from '../api';
import { PUBLIC_ROUTES } from './routes';
import { Outcome, PageButton, PublicCard, codeOf, messageOf, useToken } from './ui';

const NewRequest = () => <PageButton to={PUBLIC_ROUTES.supportRequest}>Open a new request</PageButton>;

/** The link that proves a support request came from the address on file: one button. */
export function SupportConfirmPage() {
  const token = useToken();
  const [done, setDone] = useState(false);
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const confirm = async () => {
    setBusy(true);
    try {
      await api('/support/tickets/confirm', { method: 'POST', body: { token } });
      setDone(true);
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  };

  const c = codeOf(failure);
  return (
    <PublicCard title="Confirm your support request" testId="support-confirm">
      {done ? (
        <Outcome severity="success" title="Confirmed: your request is with our support team.">
          We email you as it moves on. For a lost device, support first checks that it is you; before anything changes on your account you get an email with a link to cancel.
        </Outcome>
      ) : !token || c === 'INVALID_TOKEN' ? (
        <Outcome severity="error" title="This link is not valid (any more)." actions={<NewRequest />}>
          It was already used, or the request was cancelled. If you still need help, open a new request.
        </Outcome>
      ) : c === 'LINK_EXPIRED' ? (
        <Outcome severity="error" title="This link expired." actions={<NewRequest />}>
          A request must be confirmed within 24 hours. Open a new one and confirm it from the email.
        </Outcome>
      ) : (
        <>
          <Typography variant="body2" sx={{ mb: 2 }}>
            Confirming tells our support team that this request came from you. Nothing changes on your account yet: support checks it is you first.
          </Typography>
          {failure !== undefined && <Outcome severity="error" title={messageOf(failure)} />}
          <Button variant="contained" fullWidth onClick={() => void confirm()} disabled={busy}>
            Confirm my request
          </Button>
        </>
      )}
    </PublicCard>
  );
}
