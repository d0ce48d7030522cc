import { Alert, Box, Button, TextField, Typography } from '@mui/material';
import { FormEvent, useState } from 'react';
import { useNotify } from 'react-admin';

import { problem } from '../accounts/settings';
import { ApiError, api } from '../api';
import { ConfirmButton, Loading, Section, useLoad } from './common';

function fieldErrorsOf(err: unknown): Record<string, string> {
  return err instanceof ApiError ? Object.fromEntries((err.body.errors ?? []).map((e) => [e.field, e.message])) : {};
}

/** Current and new password; every other session is signed out (the API does it, the page says so). */
export function ChangePassword({ onChanged }: { onChanged?: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    if (next !== again) {
      setErrors({ confirm: 'does not match the new password' });
      return;
    }
    setBusy(true);
    try {
      await api('/me/password', { method: 'POST', body: { currentPassword: current, newPassword: next } });
      setErrors({});
      setError(undefined);
      setCurrent('');
      setNext('');
      setAgain('');
      setDone(true);
      onChanged?.();
    } catch (err) {
      setErrors(fieldErrorsOf(err));
      setError(problem(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="Password" id="password">
      <Typography variant="body2" color="text.secondary">
        Changing your password signs you out everywhere else: other browsers and apps have to sign in again. This session stays signed in.
      </Typography>
      {done && (
        <Alert severity="success" sx={{ my: 1 }} data-testid="password-changed">
          Password changed. Every other session was signed out.
        </Alert>
      )}
      {error && (
        <Alert severity="error" sx={{ my: 1 }}>
          {error}
        </Alert>
      )}
      <Box component="form" onSubmit={submit} sx={{ maxWidth: 420 }}>
        <TextField
          label="Current password"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          error={Boolean(errors.currentPassword)}
          helperText={errors.currentPassword}
          fullWidth
          margin="dense"
          required
        />
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          value={next}
          onChange={(e) => setNext(e.target.value)}
          error={Boolean(errors.newPassword)}
          helperText={errors.newPassword ?? 'At least 8 characters; common passwords are refused.'}
          fullWidth
          margin="dense"
          required
        />
        <TextField
          label="Confirm new password"
          type="password"
          autoComplete="new-password"
          value={again}
          onChange={(e) => setAgain(e.target.value)}
          error={Boolean(errors.confirm)}
          helperText={errors.confirm}
          fullWidth
          margin="dense"
          required
        />
        <Button type="submit" variant="contained" sx={{ mt: 1 }} disabled={busy}>
          Change password
        </Button>
      </Box>
    </Section>
  );
}

interface Pending {
  pending: { newEmail: string; requestedAt: string; expiresAt: string } | null;
}

/** New address and password; the change waits for the link sent to the new address, which can be re-sent or cancelled. */
export function ChangeEmail({ currentEmail }: { currentEmail: string }) {
  const notify = useNotify();
  const { data, error: loadError, reload } = useLoad<Pending>('/me/email/pending');
  const [newEmail, setNewEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    try {
      await fn();
      setErrors({});
      setError(undefined);
    } catch (err) {
      setErrors(fieldErrorsOf(err));
      setError(problem(err));
    } finally {
      setBusy(false);
      reload();
    }
  };
  const request = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await api('/me/email', { method: 'POST', body: { newEmail, password } });
      setNewEmail('');
      setPassword('');
    });
  };
  if (!data) {
    return <Loading error={loadError} />;
  }
  const pending = data.pending;
  return (
    <Section title="Email address" id="email">
      <Typography variant="body2">
        You sign in with <strong>{currentEmail}</strong>. Password resets and security alerts go there.
      </Typography>
      {error && (
        <Alert severity="error" sx={{ my: 1 }}>
          {error}
        </Alert>
      )}
      {pending ? (
        <Box data-testid="email-pending">
          <Alert severity="info" sx={{ my: 1 }}>
            Waiting for confirmation: we sent a link to <strong>{pending.newEmail}</strong>. Your address changes once it is followed (until{' '}
            {new Date(pending.expiresAt).toLocaleString()}); until then {currentEmail} keeps working.
          </Alert>
          <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
            <Button
              size="small"
              variant="outlined"
              disabled={busy}
              onClick={() =>
                void run(async () => {
                  await api('/me/email/pending/resend', { method: 'POST' });
                  notify(`Link sent again to ${pending.newEmail}`, { type: 'success' });
                })
              }
            >
              Resend the link
            </Button>
            <ConfirmButton
              label="Cancel the change"
              title="Cancel the email change?"
              body={`The link sent to ${pending.newEmail} stops working and you keep ${currentEmail}.`}
              onConfirm={() =>
                run(async () => {
                  await api('/me/email/pending', { method: 'DELETE' });
                  notify('Email change cancelled', { type: 'info' });
                })
              }
            />
          </Box>
        </Box>
      ) : (
        <Box component="form" onSubmit={request} sx={{ maxWidth: 420 }}>
          <TextField
            label="New email address"
            type="email"
            autoComplete="email"
            value={newEmail}
            onChange={(e) => setNewEmail(e.target.value.trim())}
            error={Boolean(errors.newEmail)}
            helperText={errors.newEmail ?? 'We send a confirmation link to the new address.'}
            fullWidth
            margin="dense"
            required
          />
          <TextField
            label="Password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={Boolean(errors.password)}
            helperText={errors.password}
            fullWidth
            margin="dense"
            required
          />
          <Button type="submit" variant="contained" sx={{ mt: 1 }} disabled={busy}>
            Change email
          </Button>
        </Box>
      )}
    </Section>
  );
}
