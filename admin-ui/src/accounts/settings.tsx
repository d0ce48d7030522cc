import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  Switch,
  TextField,
  Typography,
} from '@mui/material';
import { useEffect, useState } from 'react';
import { Title, useNotify } from 'react-admin';

import { currentAccountId, currentMembership, forgetMemberships } from '../account';
import { ApiError, api } from '../api';
import { BillingSummaryCard } from './billing';
import { AccountDiscordCard, NotificationDefaultsCard } from './notification-defaults';

interface Account {
  id: string;
  name: string;
  require2fa: boolean;
  ipAllowlist?: string[];
  nonCompliantMembers?: number;
}

export function problem(err: unknown): string {
  if (err instanceof ApiError) {
    const fields = err.body.errors?.map((e) => e.message).join('; ');
    return fields ? `${err.message} (${fields})` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

export function AccountSettings() {
  const notify = useNotify();
  const [account, setAccount] = useState<Account>();
  const [error, setError] = useState<string>();
  const [name, setName] = useState('');
  const [require2fa, setRequire2fa] = useState(false);
  const [allowlist, setAllowlist] = useState('');
  const [confirming, setConfirming] = useState<number>();
  const [saving, setSaving] = useState(false);
  const [isOwner, setIsOwner] = useState(false);

  const load = async () => {
    try {
      const a = await api<Account>(`/accounts/${await currentAccountId()}`);
      setIsOwner((await currentMembership())?.role === 'owner');
      setAccount(a);
      setName(a.name);
      setRequire2fa(a.require2fa);
      setAllowlist((a.ipAllowlist ?? []).join('\n'));
    } catch (err) {
      setError(problem(err));
    }
  };
  useEffect(() => {
    void load();
  }, []);

  const save = async () => {
    setSaving(true);
    setConfirming(undefined);
    try {
      const body = {
        name,
        require2fa,
        ipAllowlist: allowlist
          .split(/[\s,]+/)
          .map((s) => s.trim())
          .filter(Boolean),
      };
      const res = await api<Account>(`/accounts/${account!.id}`, { method: 'PATCH', body });
      forgetMemberships();
      setAccount(res);
      setError(undefined);
      notify(
        res.require2fa && res.nonCompliantMembers
          ? `Saved. ${res.nonCompliantMembers} member(s) must set up 2FA at next sign-in.`
          : 'Settings saved',
        { type: 'success' },
      );
    } catch (err) {
      setError(problem(err));
    } finally {
      setSaving(false);
    }
  };

  const submit = async () => {
    if (require2fa && !account!.require2fa) {
      // Show how many members the switch affects before it is saved.
      try {
        const res = await fetch(`/api/v1/accounts/${account!.id}/members?range=[0,0]&filter=${encodeURIComponent('{"mfa":"none"}')}`, {
          credentials: 'same-origin',
        });
        setConfirming(Number(res.headers.get('Content-Range')?.split('/').pop() ?? 0));
      } catch (err) {
        setError(problem(err));
      }
      return;
    }
    await save();
  };

  if (!account) {
    return error ? <Alert severity="error">{error}</Alert> : <CircularProgress sx={{ m: 4 }} aria-label="Loading" />;
  }
  return (
    <>
      <Card sx={{ mt: 2, maxWidth: 720 }}>
        <Title title="Account settings" />
        <CardContent>
          <Typography variant="h6" component="h2">
            Account settings
          </Typography>
          {error && (
            <Alert severity="error" sx={{ my: 1 }}>
              {error}
            </Alert>
          )}
          <TextField label="Account name" value={name} onChange={(e) => setName(e.target.value)} fullWidth margin="normal" />
          <FormControlLabel
            control={<Switch checked={require2fa} onChange={(e) => setRequire2fa(e.target.checked)} />}
            label="Require two-factor authentication for every member"
          />
          <TextField
            label="IP allow-list"
            helperText="One IPv4/IPv6 CIDR per line, e.g. 203.0.113.0/24. Empty allows every address."
            value={allowlist}
            onChange={(e) => setAllowlist(e.target.value)}
            fullWidth
            multiline
            minRows={3}
            margin="normal"
          />
          <Box sx={{ mt: 2 }}>
            <Button variant="contained" onClick={() => void submit()} disabled={saving}>
              Save
            </Button>
          </Box>
        </CardContent>
        <Dialog open={confirming !== undefined} onClose={() => setConfirming(undefined)}>
          <DialogTitle>Require two-factor authentication?</DialogTitle>
          <DialogContent>
            <Typography data-testid="noncompliant-count">
              {confirming === 0
                ? 'Every member already has 2FA.'
                : `${confirming} member(s) do not have 2FA yet and will have to set it up at their next sign-in.`}
            </Typography>
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setConfirming(undefined)}>Cancel</Button>
            <Button variant="contained" onClick={() => void save()}>
              Require 2FA
            </Button>
          </DialogActions>
        </Dialog>
      </Card>
      <BillingSummaryCard accountId={account.id} />
      <NotificationDefaultsCard accountId={account.id} canEdit={isOwner} />
      <AccountDiscordCard accountId={account.id} canEdit={isOwner} />
    </>
  );
}
