import { Box, Button, TextField, Typography } from '@mui/material';
import { FormEvent, useState } from 'react';

import { api } from '../api';
import { PUBLIC_ROUTES } from './routes';
import { Outcome, PageLink, PublicCard, SignInButton, fieldErrors, messageOf } from './ui';

/** Sign-up; the answer is the same for an address that already has an account. */
export function SignUpPage() {
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [sent, setSent] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  if (sent) {
    return (
      <PublicCard title="Check your inbox" testId="sign-up">
        <Outcome severity="success" title={`We sent a confirmation link to ${sent}.`} actions={<SignInButton variant="outlined" />}>
          Open it within 24 hours to confirm your address, then sign in. If this address already has an account, sign in or reset your password instead.
        </Outcome>
      </PublicCard>
    );
  }
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await api('/auth/register', { method: 'POST', body: { displayName, email, password } });
      setSent(email);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const fields = fieldErrors(error);
  return (
    <PublicCard title="Create your account" testId="sign-up">
      <form onSubmit={submit}>
        <TextField label="Your name" autoComplete="name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} fullWidth margin="normal" required autoFocus error={Boolean(fields.displayName)} helperText={fields.displayName} />
        <TextField label="Email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} fullWidth margin="normal" required error={Boolean(fields.email)} helperText={fields.email} />
        <TextField label="Password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} fullWidth margin="normal" required error={Boolean(fields.password)} helperText={fields.password ?? 'At least 8 characters; a long phrase is best.'} />
        {error !== undefined && !Object.keys(fields).length && <Outcome severity="error" title={messageOf(error)} />}
        <Button type="submit" variant="contained" fullWidth disabled={busy} sx={{ mt: 1 }}>
          Create my account
        </Button>
      </form>
      <Box sx={{ mt: 2 }}>
        <Typography variant="body2">
          Already have an account? <PageLink to={PUBLIC_ROUTES.signIn}>Sign in</PageLink>
        </Typography>
      </Box>
    </PublicCard>
  );
}
