import { Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogTitle, Table, TableBody, TableCell, TableHead, TableRow, TextField, Typography } from '@mui/material';
import { startRegistration } from '@simplewebauthn/browser';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser';
import { useState } from 'react';
import { useNotify } from 'react-admin';

import { problem } from '../accounts/settings';
import { Schemas, api } from '../api';
import { ConfirmButton, Loading, useLoad } from './common';
import { BackupCodes } from './totp-setup';

type Passkey = Schemas['PasskeyDto'];

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : 'never');

/** Whether this browser can create passkeys at all (WebAuthn needs a secure context: https or localhost). */
const supported = () => typeof window !== 'undefined' && window.isSecureContext && typeof window.PublicKeyCredential === 'function';

/**
 * My account > Security > Passkeys: add one (named), list with created and last used, rename,
 * remove. Removing needs a recent sign-in (5 minutes), as the API says; past that, sign in again.
 */
export function Passkeys({ onChange, onContinue }: { onChange: () => void; onContinue?: () => void }) {
  const notify = useNotify();
  const keys = useLoad<Passkey[]>('/me/mfa/passkeys');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [codes, setCodes] = useState<string[]>();
  const [added, setAdded] = useState(false);
  const [renaming, setRenaming] = useState<Passkey>();
  const [newName, setNewName] = useState('');

  const changed = () => {
    keys.reload();
    onChange();
  };

  const add = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { challengeId, options } = await api.post('/me/mfa/passkeys/options', { body: {} });
      const credential = await startRegistration({ optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON });
      const res = await api.post('/me/mfa/passkeys', {
        body: { challengeId, name: name.trim() || 'Passkey', credential: credential as unknown as Record<string, never> },
      });
      setCodes(res.backupCodes);
      setAdded(true);
      setName('');
      notify(`Passkey "${res.passkey.name}" added`, { type: 'success' });
      changed();
    } catch (err) {
      setError(err instanceof Error && err.name === 'NotAllowedError' ? 'The passkey prompt was cancelled or timed out.' : problem(err));
    } finally {
      setBusy(false);
    }
  };

  const rename = async () => {
    try {
      await api.patch('/me/mfa/passkeys/{id}', { params: { id: renaming!.id }, body: { name: newName } });
      setRenaming(undefined);
      changed();
    } catch (err) {
      notify(problem(err), { type: 'error' });
    }
  };

  const remove = (k: Passkey) => async () => {
    try {
      await api.delete('/me/mfa/passkeys/{id}', { params: { id: k.id }, body: {} });
      notify(`Passkey "${k.name}" removed`, { type: 'success' });
    } catch (err) {
      notify(problem(err), { type: 'error' });
    }
    changed();
  };

  return (
    <Box data-testid="passkeys" sx={{ mt: 2 }}>
      <Typography variant="subtitle1" component="h3">
        Passkeys
      </Typography>
      <Typography variant="body2" color="text.secondary" gutterBottom>
        Sign in with your fingerprint, face, screen lock or a security key instead of a password and code. A passkey also counts as your second factor.
      </Typography>
      {!keys.data ? (
        <Loading error={keys.error} />
      ) : keys.data.length === 0 ? (
        <Typography color="text.secondary" data-testid="no-passkeys">
          No passkeys yet.
        </Typography>
      ) : (
        <Box sx={{ overflowX: 'auto' }}>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>Name</TableCell>
                <TableCell>Added</TableCell>
                <TableCell>Last used</TableCell>
                <TableCell />
              </TableRow>
            </TableHead>
            <TableBody>
              {keys.data.map((k) => (
                <TableRow key={k.id} data-testid="passkey">
                  <TableCell>{k.name}</TableCell>
                  <TableCell>{when(k.createdAt)}</TableCell>
                  <TableCell>{when(k.lastUsedAt)}</TableCell>
                  <TableCell align="right">
                    <Button
                      size="small"
                      onClick={() => {
                        setRenaming(k);
                        setNewName(k.name);
                      }}
                    >
                      Rename
                    </Button>
                    <ConfirmButton
                      label="Remove"
                      title={`Remove the passkey "${k.name}"?`}
                      body="It will no longer sign you in. Devices you trusted will ask for a second factor again."
                      onConfirm={remove(k)}
                    />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      )}
      {supported() ? (
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', mt: 1, flexWrap: 'wrap' }}>
          <TextField size="small" label="Passkey name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. MacBook Touch ID" slotProps={{ htmlInput: { maxLength: 64 } }} />
          <Button variant="outlined" disabled={busy} onClick={() => void add()}>
            Add a passkey
          </Button>
        </Box>
      ) : (
        <Alert severity="info">This browser cannot create passkeys here (they need https or localhost).</Alert>
      )}
      {error && (
        <Alert severity="error" sx={{ mt: 1 }}>
          {error}
        </Alert>
      )}
      {codes && <BackupCodes codes={codes} />}
      {added && onContinue && (
        <Button variant="contained" sx={{ mt: 1 }} onClick={onContinue}>
          Continue
        </Button>
      )}
      <Dialog open={Boolean(renaming)} onClose={() => setRenaming(undefined)}>
        <DialogTitle>Rename passkey</DialogTitle>
        <DialogContent>
          <TextField label="Name" value={newName} onChange={(e) => setNewName(e.target.value)} fullWidth margin="dense" autoFocus slotProps={{ htmlInput: { maxLength: 64 } }} />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setRenaming(undefined)}>Cancel</Button>
          <Button variant="contained" onClick={() => void rename()}>
            Save
          </Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}
