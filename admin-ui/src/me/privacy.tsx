import { Alert, Box, Button, Checkbox, FormControlLabel, List, ListItem, ListItemText, Typography } from '@mui/material';
import { FormEvent, useEffect, useState } from 'react';
import { useLogout, useNotify } from 'react-admin';

import { Membership, memberships, switchAccount } from '../account';
import { problem } from '../accounts/settings';
import { ApiError, api } from '../api';
import { ProofFields, Section, proofBody, useHasTwoFactor } from './common';
import { deletionDate } from './deletion-banner';

interface Blocking {
  accountId: string;
  name: string;
  members: number;
}

/**
 * Deleting yourself: the sole-owner rule first, then the password (and a code with 2FA). The API
 * schedules the erasure after a grace period and ends every session, so the console signs out
 * and says until when the emailed link (or signing in) can still cancel it.
 */
export function DeleteAccount() {
  const notify = useNotify();
  const logout = useLogout();
  const twoFactor = useHasTwoFactor();
  const [owned, setOwned] = useState<Membership[]>([]);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [understood, setUnderstood] = useState(false);
  const [blocking, setBlocking] = useState<Blocking[]>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    memberships()
      .then((all) => setOwned(all.filter((m) => m.role === 'owner')))
      .catch(() => undefined);
  }, []);
  // As the account switcher does: a reload, so every menu and permission follows the picked account.
  const transfer = (accountId: string) => {
    switchAccount(accountId);
    window.location.hash = '#/transfer-ownership';
    window.location.reload();
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const { deletionScheduledFor } = await api<{ deletionScheduledFor: string }>('/me', { method: 'DELETE', body: proofBody(password, code) });
      notify(
        `Your account will be deleted on ${deletionDate(deletionScheduledFor)}. You are signed out everywhere; until then, the link in the email or signing in cancels it.`,
        { type: 'info', autoHideDuration: 10_000 },
      );
      await logout({}, '/login', false);
    } catch (err) {
      if (err instanceof ApiError && err.body.code === 'SOLE_OWNER') {
        setBlocking(((err.body as { accounts?: Blocking[] }).accounts ?? []) as Blocking[]);
        setError(undefined);
      } else {
        setBlocking(undefined);
        setError(problem(err));
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="Delete my account" id="delete-account">
      <Typography gutterBottom>
        You are signed out everywhere at once, and your account is deleted for good after a grace period (14 days unless your organisation set
        another). Until then, the link in the email we send, or signing in again, cancels it. After that your profile, sign-in, two-factor settings,
        memberships and notifications are erased and cannot be recovered; the security log keeps what happened under an anonymous name.
      </Typography>
      <Typography variant="body2" color="text.secondary" gutterBottom>
        An account you are the only member of is deleted with you. If you are the <strong>only owner</strong> of an account that has other members, you
        must first transfer ownership to one of them (or delete that account), so the team is never left without an owner.
      </Typography>
      {owned.length > 0 && (
        <Typography variant="body2" gutterBottom data-testid="owned-accounts">
          You own: {owned.map((m) => m.name).join(', ')}.
        </Typography>
      )}
      {blocking && (
        <Alert severity="warning" sx={{ my: 1 }} data-testid="sole-owner">
          You are the only owner of {blocking.length === 1 ? 'this account' : 'these accounts'}, which still have other members. Transfer ownership first, then
          come back:
          <List dense disablePadding>
            {blocking.map((b) => (
              <ListItem key={b.accountId} disableGutters sx={{ flexWrap: 'wrap', gap: 1 }}>
                <ListItemText primary={b.name} secondary={`${b.members} members`} />
                <Button size="small" variant="outlined" onClick={() => transfer(b.accountId)}>
                  Transfer ownership of {b.name}
                </Button>
              </ListItem>
            ))}
          </List>
        </Alert>
      )}
      {error && (
        <Alert severity="error" sx={{ my: 1 }}>
          {error}
        </Alert>
      )}
      <Box component="form" onSubmit={submit} sx={{ maxWidth: 480 }}>
        <ProofFields password={password} code={code} onPassword={setPassword} onCode={setCode} withCode={twoFactor === true} />
        <FormControlLabel
          control={<Checkbox checked={understood} onChange={(e) => setUnderstood(e.target.checked)} />}
          label="I understand that after the grace period this cannot be undone"
        />
        <Box>
          <Button type="submit" color="error" variant="contained" disabled={busy || !understood || !password}>
            Delete my account
          </Button>
        </Box>
      </Box>
    </Section>
  );
}
