import { Alert, Box, Button, Card, CardContent, CircularProgress, MenuItem, TextField, Typography } from '@mui/material';
import { FormEvent, useEffect, useState } from 'react';
import { Title, useGetIdentity, useNotify, useRefresh } from 'react-admin';
import { useNavigate } from 'react-router-dom';

import { Membership, currentMembership, forgetMemberships } from '../account';
import { api } from '../api';
import { ProofFields, proofBody, useHasTwoFactor } from '../me/common';
import { problem } from './settings';

interface Member {
  id: string;
  email: string;
  displayName: string;
  role: string;
}

/** Ownership as its own action: pick a member, confirm with the password (and a code with 2FA). */
export function TransferOwnership() {
  const notify = useNotify();
  const navigate = useNavigate();
  const refresh = useRefresh();
  const { data: me } = useGetIdentity();
  const twoFactor = useHasTwoFactor();
  const [account, setAccount] = useState<Membership | null>();
  const [members, setMembers] = useState<Member[]>();
  const [to, setTo] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    currentMembership()
      .then(async (m) => {
        setAccount(m ?? null);
        if (m?.role === 'owner') {
          setMembers(await api<Member[]>(`/accounts/${m.accountId}/members?range=${encodeURIComponent('[0,999]')}`));
        }
      })
      .catch((err) => setError(problem(err)));
  }, []);
  const candidates = (members ?? []).filter((m) => m.id !== me?.id);
  const chosen = candidates.find((m) => m.id === to);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!account || !chosen) {
      return;
    }
    setBusy(true);
    try {
      await api(`/accounts/${account.accountId}/transfer-ownership`, { method: 'POST', body: { userId: chosen.id, ...proofBody(password, code) } });
      forgetMemberships();
      notify(`${chosen.displayName} now owns ${account.name}; you are an admin.`, { type: 'success' });
      navigate('/members');
      // Permissions were read as owner: read them again so owner-only actions disappear.
      refresh();
    } catch (err) {
      setError(problem(err));
    } finally {
      setBusy(false);
    }
  };
  if (account === undefined && !error) {
    return <CircularProgress sx={{ m: 4 }} aria-label="Loading" />;
  }
  return (
    <Card sx={{ mt: 2, maxWidth: 640 }}>
      <Title title="Transfer ownership" />
      <CardContent>
        <Typography variant="h6" component="h1" gutterBottom>
          Transfer ownership{account ? ` of ${account.name}` : ''}
        </Typography>
        {error && (
          <Alert severity="error" sx={{ my: 1 }}>
            {error}
          </Alert>
        )}
        {account && account.role !== 'owner' ? (
          <Alert severity="info">Only an owner of {account.name} can transfer its ownership.</Alert>
        ) : !account ? null : (
          <Box component="form" onSubmit={submit}>
            <Typography variant="body2" gutterBottom>
              The member you choose becomes an owner of {account.name} and is told by email. You stay in the account as an admin, so you can no longer
              manage owners or delete the account.
            </Typography>
            {members && candidates.length === 0 ? (
              <Alert severity="info">Invite someone first: ownership can only go to a member of this account.</Alert>
            ) : (
              <>
                <TextField select label="New owner" value={to} onChange={(e) => setTo(e.target.value)} fullWidth margin="dense" required>
                  {candidates.map((m) => (
                    <MenuItem key={m.id} value={m.id}>
                      {m.displayName} ({m.email}) · {m.role}
                    </MenuItem>
                  ))}
                </TextField>
                <ProofFields password={password} code={code} onPassword={setPassword} onCode={setCode} withCode={twoFactor === true} />
                <Button type="submit" variant="contained" color="warning" sx={{ mt: 1 }} disabled={busy || !chosen || !password}>
                  Transfer ownership
                </Button>
              </>
            )}
          </Box>
        )}
      </CardContent>
    </Card>
  );
}
