import { Box, Button, FormControlLabel, Radio, RadioGroup, TextField, Typography } from '@mui/material';
import { FormEvent, useState } from 'react';
import { useLocation, useSearchParams } from 'react-router-dom';

import { api } from '../api';
import { PUBLIC_ROUTES } from './routes';
import { Outcome, PageLink, PublicCard, SignInButton, fieldErrors, messageOf } from './ui';

type TicketType = 'mfa_reset' | 'account_deletion' | 'other';
const TYPES: Array<[TicketType, string]> = [
  ['mfa_reset', 'I lost my phone or authenticator app and cannot sign in'],
  ['account_deletion', 'Delete my account'],
  ['other', 'Something else'],
];
const PLACEHOLDER: Record<TicketType, string> = {
  mfa_reset: 'What happened, and when did you last sign in? Support will check it is you before anything changes.',
  account_deletion: 'Which account, and anything we should know before deleting it.',
  other: 'How can we help?',
};

/**
 * Opening a support request without signing in (lost device, deletion). The answer is the same
 * whether or not the address has an account; the request reaches the desk only once the address
 * on file confirms it.
 */
export function SupportRequestPage() {
  const [params] = useSearchParams();
  const given = (useLocation().state as { email?: string } | null)?.email ?? '';
  const initial = (TYPES.find(([t]) => t === params.get('type'))?.[0] ?? 'mfa_reset') as TicketType;
  const [type, setType] = useState<TicketType>(initial);
  const [email, setEmail] = useState(given);
  const [message, setMessage] = useState('');
  const [sent, setSent] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  if (sent) {
    return (
      <PublicCard title="Confirm your request" testId="support-request">
        <Outcome severity="success" title="Check your inbox to confirm the request." actions={<SignInButton variant="outlined" />}>
          If {sent} has an account, we sent it a link. The request reaches our support team only once you confirm it, within 24 hours.
        </Outcome>
      </PublicCard>
    );
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await api('/support/tickets', { method: 'POST', body: { type, email, message } });
      setSent(email);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const fields = fieldErrors(error);
  return (
    <PublicCard title="Contact support" testId="support-request">
      {type === 'mfa_reset' && (
        <Typography variant="body2" sx={{ mb: 1 }} data-testid="lost-device-help">
          Lost your device? If you still have a backup code, or a phone number on your account, you can sign in without support: on the sign-in page, after your password, choose
          &quot;Backup code&quot; or &quot;Text me a recovery code&quot;. Otherwise ask support here: after checking it is you, they remove your second factors, and you are told
          first and can cancel.
        </Typography>
      )}
      <form onSubmit={submit}>
        <RadioGroup value={type} onChange={(e) => setType(e.target.value as TicketType)} aria-label="What do you need?">
          {TYPES.map(([value, label]) => (
            <FormControlLabel key={value} value={value} control={<Radio size="small" />} label={label} />
          ))}
        </RadioGroup>
        <TextField label="Email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} fullWidth margin="normal" required error={Boolean(fields.email)} helperText={fields.email ?? 'The address of your account: the confirmation link goes there.'} />
        <TextField label="Message" value={message} onChange={(e) => setMessage(e.target.value)} fullWidth margin="normal" required multiline minRows={3} placeholder={PLACEHOLDER[type]} error={Boolean(fields.message)} helperText={fields.message} />
        {error !== undefined && !fields.email && !fields.message && <Outcome severity="error" title={messageOf(error)} />}
        <Button type="submit" variant="contained" fullWidth disabled={busy} sx={{ mt: 1 }}>
          Send the request
        </Button>
      </form>
      <Box sx={{ mt: 2 }}>
        <PageLink to={PUBLIC_ROUTES.signIn}>Back to sign in</PageLink>
      </Box>
    </PublicCard>
  );
}
