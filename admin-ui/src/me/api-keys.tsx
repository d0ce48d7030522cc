import {
  Alert,
  Box,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  MenuItem,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { FormEvent, useState } from 'react';
import { useNotify } from 'react-admin';

import { Membership, memberships } from '../account';
import { problem } from '../accounts/settings';
import { Schemas, api } from '../api';
import { ConfirmButton, Loading, ProofFields, Section, proofBody, useHasTwoFactor, useLoad } from './common';

type ApiKey = Schemas['ApiKeyDto'];
type Role = NonNullable<Schemas['CreateApiKeyDto']['roleCap']>;
const ROLES: Role[] = ['owner', 'admin', 'member', 'viewer'];
const RANK: Record<Role, number> = { owner: 40, admin: 30, member: 20, viewer: 10 };
const EXPIRIES = [7, 30, 90, 180, 365];

export function when(iso: string | null | undefined, never = 'never'): string {
  return iso ? new Date(iso).toLocaleString() : never;
}

/** The secret of a new key, shown once in a dialog with a copy button: it cannot be shown again. */
function SecretDialog({ secret, onClose }: { secret?: string; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <Dialog open={secret !== undefined} onClose={onClose} aria-labelledby="api-key-secret-title">
      <DialogTitle id="api-key-secret-title">Copy your new API key</DialogTitle>
      <DialogContent>
        <Alert severity="warning" sx={{ mb: 2 }}>
          This is the only time the key is shown. Store it somewhere safe, such as a password manager or your CI secrets.
        </Alert>
        <TextField
          value={secret ?? ''}
          fullWidth
          slotProps={{ htmlInput: { readOnly: true, 'data-testid': 'api-key-secret', 'aria-label': 'API key' } }}
          onFocus={(e) => e.target.select()}
        />
        <Typography variant="body2" sx={{ mt: 1 }}>
          Send it as <code>Authorization: Bearer &lt;key&gt;</code>.
        </Typography>
      </DialogContent>
      <DialogActions>
        <Button
          onClick={() => {
            void navigator.clipboard?.writeText(secret ?? '').then(
              () => setCopied(true),
              () => setCopied(false),
            );
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </Button>
        <Button
          variant="contained"
          onClick={() => {
            setCopied(false);
            onClose();
          }}
        >
          I have copied it
        </Button>
      </DialogActions>
    </Dialog>
  );
}

export function KeyTable({ items, onRevoke, showUser }: { items: ApiKey[]; onRevoke: (k: ApiKey) => Promise<void>; showUser?: boolean }) {
  if (items.length === 0) {
    return <Typography variant="body2">No API keys.</Typography>;
  }
  return (
    <Table size="small" aria-label="API keys" data-testid="api-key-list">
      <TableHead>
        <TableRow>
          <TableCell>Name</TableCell>
          {showUser && <TableCell>User</TableCell>}
          <TableCell>Key</TableCell>
          <TableCell>Scopes</TableCell>
          <TableCell>Account</TableCell>
          <TableCell>Created</TableCell>
          <TableCell>Last used</TableCell>
          <TableCell>Expires</TableCell>
          <TableCell />
        </TableRow>
      </TableHead>
      <TableBody>
        {items.map((k) => (
          <TableRow key={k.id} data-testid="api-key-row">
            <TableCell>{k.name}</TableCell>
            {showUser && <TableCell>{k.userEmail ?? ''}</TableCell>}
            <TableCell>
              <code>{k.prefix}…</code>
            </TableCell>
            <TableCell>{k.scopes.join(', ')}</TableCell>
            <TableCell>{k.accountId ? `${k.accountName ?? k.accountId} (up to ${k.roleCap})` : 'All your accounts'}</TableCell>
            <TableCell>{when(k.createdAt)}</TableCell>
            <TableCell>{k.lastUsedAt ? `${when(k.lastUsedAt)}${k.lastUsedIp ? ` from ${k.lastUsedIp}` : ''}` : 'Never used'}</TableCell>
            <TableCell>{when(k.expiresAt)}</TableCell>
            <TableCell>
              {k.status === 'active' ? (
                <ConfirmButton
                  label="Revoke"
                  title={`Revoke “${k.name}”?`}
                  body="Anything using this key stops working at once. This cannot be undone."
                  onConfirm={() => onRevoke(k)}
                />
              ) : (
                <Chip size="small" label={k.status} data-testid="api-key-status" />
              )}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function CreateKey({ onCreated }: { onCreated: (secret: string) => void }) {
  const twoFactor = useHasTwoFactor();
  const [mine, setMine] = useState<Membership[]>();
  const [name, setName] = useState('');
  const [write, setWrite] = useState(false);
  const [accountId, setAccountId] = useState('');
  const [roleCap, setRoleCap] = useState<Role | ''>('');
  const [days, setDays] = useState(90);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  if (!mine) {
    void memberships().then(setMine, () => setMine([]));
  }
  const myRole = mine?.find((m) => m.accountId === accountId)?.role;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const res = await api.post('/me/api-keys', {
        body: {
          name,
          scopes: write ? ['read', 'write'] : ['read'],
          expiresInDays: days,
          ...(accountId ? { accountId, ...(roleCap ? { roleCap } : {}) } : {}),
          ...proofBody(password, code),
        },
      });
      setName('');
      setPassword('');
      setCode('');
      setError(undefined);
      onCreated(res.secret);
    } catch (err) {
      setError(problem(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box component="form" onSubmit={(e) => void submit(e)} sx={{ maxWidth: 520 }} data-testid="api-key-create">
      {error && (
        <Alert severity="error" sx={{ my: 1 }}>
          {error}
        </Alert>
      )}
      <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} fullWidth margin="dense" required />
      <FormControlLabel
        control={<Switch checked={write} onChange={(e) => setWrite(e.target.checked)} />}
        label="Allow changes (write scope); without it the key can only read"
      />
      <TextField
        select
        label="Account"
        value={accountId}
        onChange={(e) => {
          setAccountId(e.target.value);
          setRoleCap('');
        }}
        fullWidth
        margin="dense"
        helperText="A key bound to one account can reach only that account"
        slotProps={{ select: { displayEmpty: true }, inputLabel: { shrink: true } }}
      >
        <MenuItem value="">All my accounts (acts as me)</MenuItem>
        {(mine ?? []).map((m) => (
          <MenuItem key={m.accountId} value={m.accountId}>
            {m.name} ({m.role})
          </MenuItem>
        ))}
      </TextField>
      {accountId && myRole && (
        <TextField
          select
          label="Role cap"
          value={roleCap}
          onChange={(e) => setRoleCap(e.target.value as Role)}
          fullWidth
          margin="dense"
          helperText="The most the key may do in this account"
          slotProps={{ select: { displayEmpty: true }, inputLabel: { shrink: true } }}
        >
          <MenuItem value="">My role ({myRole})</MenuItem>
          {ROLES.filter((r) => RANK[r] <= RANK[myRole]).map((r) => (
            <MenuItem key={r} value={r}>
              {r}
            </MenuItem>
          ))}
        </TextField>
      )}
      <TextField select label="Expires after" value={days} onChange={(e) => setDays(Number(e.target.value))} fullWidth margin="dense">
        {EXPIRIES.map((d) => (
          <MenuItem key={d} value={d}>
            {d} days
          </MenuItem>
        ))}
      </TextField>
      <Typography variant="body2" sx={{ mt: 1 }}>
        Confirm it is you to create a key.
      </Typography>
      <ProofFields password={password} code={code} onPassword={setPassword} onCode={setCode} withCode={twoFactor === true} />
      <Button type="submit" variant="contained" disabled={busy || !name.trim() || !password} sx={{ mt: 1 }}>
        Create key
      </Button>
    </Box>
  );
}

/** My account > API keys: personal access tokens for scripts and CI, shown once, revocable. */
export function ApiKeysTab() {
  const notify = useNotify();
  const { data, error, reload } = useLoad<{ items: ApiKey[] }>('/me/api-keys');
  const [secret, setSecret] = useState<string>();
  return (
    <>
      <Section title="API keys" id="api-keys">
        <Typography variant="body2" color="text.secondary" gutterBottom>
          Personal access tokens let scripts call the Latchkey API as you. They cannot change your password, email, two-factor settings or
          keys, and cannot delete anything of yours.
        </Typography>
        {data ? (
          <KeyTable
            items={data.items}
            onRevoke={async (k) => {
              try {
                await api.delete('/me/api-keys/{id}', { params: { id: k.id } });
                notify('API key revoked', { type: 'success' });
              } catch (err) {
                notify(problem(err), { type: 'error' });
              }
              reload();
            }}
          />
        ) : (
          <Loading error={error} />
        )}
      </Section>
      <Section title="Create an API key" id="api-key-new">
        <CreateKey
          onCreated={(s) => {
            setSecret(s);
            reload();
          }}
        />
      </Section>
      <SecretDialog secret={secret} onClose={() => setSecret(undefined)} />
    </>
  );
}
