import { Box, Button, CircularProgress, Typography } from '@mui/material';
import { useEffect, useState } from 'react';

import { api } from '../api';
import { PUBLIC_ROUTES } from './routes';
import { Outcome, PageButton, PublicCard, SignInButton, codeOf, messageOf, useToken } from './ui';

interface Ticket {
  reference: string;
  type: 'mfa_reset' | 'account_deletion' | 'other';
  state: string;
  executeAfter: string | null;
}

const WHAT: Record<Ticket['type'], string> = {
  mfa_reset: 'removing every second factor from your account (lost device)',
  account_deletion: 'deleting your account',
  other: 'a support request',
};
const ENDED = new Set(['executed', 'rejected', 'cancelled', 'expired']);

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '');

/**
 * The cancel link of a support request: the token alone identifies it. Shows what would be
 * stopped, then one button.
 */
export function SupportCancelPage() {
  const token = useToken();
  const [ticket, setTicket] = useState<Ticket>();
  const [failure, setFailure] = useState<unknown>(token ? undefined : new Error('no token'));
  const [cancelled, setCancelled] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!token) {
      return;
    }
    api<Ticket>('/support/tickets/cancel/preview', { method: 'POST', body: { token } })
      .then(setTicket)
      .catch(setFailure);
  }, [token]);

  const cancel = async () => {
    setBusy(true);
    try {
      setTicket(await api<Ticket>('/support/tickets/cancel', { method: 'POST', body: { token } }));
      setCancelled(true);
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  };

  let body;
  if (cancelled && ticket) {
    body = (
      <Outcome severity="success" title={`Request ${ticket.reference} is cancelled.`} actions={<SignInButton variant="outlined" />}>
        {ticket.type === 'mfa_reset' ? 'Your second factors stay as they are. ' : 'Nothing will change on your account. '}
        If you did not open this request, someone may know your email address: change your password and keep two-factor authentication on.
      </Outcome>
    );
  } else if (failure !== undefined && codeOf(failure) !== 'ILLEGAL_TRANSITION') {
    body = (
      <Outcome severity="error" title={codeOf(failure) === 'INVALID_TOKEN' || !token ? 'This cancel link is not valid.' : messageOf(failure)} actions={<PageButton to={PUBLIC_ROUTES.supportRequest} variant="outlined">Contact support</PageButton>}>
        Open the link from the most recent email about your request. If you did not ask for anything, contact support.
      </Outcome>
    );
  } else if (!ticket) {
    body = <CircularProgress aria-label="Loading the request" />;
  } else if (ENDED.has(ticket.state) || failure !== undefined) {
    body = (
      <Outcome severity={ticket.state === 'executed' ? 'warning' : 'info'} title={`Request ${ticket.reference} has already ended (${ticket.state}).`} actions={<SignInButton variant="outlined" />}>
        {ticket.state === 'executed'
          ? 'It already ran, so it cannot be cancelled. If you did not ask for it, sign in, set up two-factor authentication again and contact support.'
          : 'There is nothing left to cancel.'}
      </Outcome>
    );
  } else {
    body = (
      <>
        <Box data-testid="ticket-summary" sx={{ mb: 2 }}>
          <Typography variant="body1">
            Request <strong>{ticket.reference}</strong>: {WHAT[ticket.type]}.
          </Typography>
          <Typography variant="body2">
            {ticket.state === 'approved' && ticket.executeAfter
              ? `Support approved it: it runs on ${when(ticket.executeAfter)} unless you cancel it now.`
              : 'Support has not acted on it yet.'}
          </Typography>
        </Box>
        <Button variant="contained" color="error" fullWidth disabled={busy} onClick={() => void cancel()}>
          Cancel this request
        </Button>
      </>
    );
  }
  return (
    <PublicCard title="Cancel a support request" testId="support-cancel">
      {body}
    </PublicCard>
  );
}
