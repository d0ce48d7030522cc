import { Box, Button, TextField, Typography } from '@mui/material';
import { FormEvent, useState } from 'react';
import { useLocation } from 'react-router-dom';

import { api } from '../api';
import { PUBLIC_ROUTES } from './routes';
import { Outcome, PageLink, PublicCard, SignInButton, fieldErrors, messageOf } from './ui';

/** Email in, always the same answer: whether the address has an account is never shown. */
export function ForgotPasswordPage() {
  const given = (useLocation().state as { email?: string } | null)?.email ?? '';
  const [email, setEmail] = useState(given);
  const [sent, setSent] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await api('/auth/password/forgot', { method: 'POST', body: { email } });
      setSent(email);
      setError(undefined);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (sent) {
    return (
      <PublicCard title="Check your inbox" testId="forgot-password">
        <Outcome severity="success" title="If this address has an account, a reset link is on its way." actions={<SignInButton variant="outlined" />}>
          We sent it to {sent}. The link works once, for one hour. Nothing arrived? Check your spam folder, or ask again in a few minutes.
        </Outcome>
      </PublicCard>
    );
  }
  const fields = fieldErrors(error);
  return (
    <PublicCard title="Forgot your password?" testId="forgot-password">
      <Typography variant="body2">Enter the email address you sign in with and we will send you a link to choose a new password.</Typography>
      <form onSubmit={submit}>
        <TextField label="Email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} fullWidth margin="normal" required autoFocus error={Boolean(fields.email)} helperText={fields.email} />
        {error !== undefined && !fields.email ? <Outcome severity="error" title={messageOf(error)} /> : null}
        <Button type="submit" variant="contained" fullWidth disabled={busy} sx={{ mt: 1 }}>
          Send me a reset link
        </Button>
      </form>
      <Box sx={{ mt: 2 }}>
        <PageLink to={PUBLIC_ROUTES.signIn}>Back to sign in</PageLink>
      </Box>
    </PublicCard>
  );
}
