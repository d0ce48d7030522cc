import { Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogTitle, Table, TableBody, TableCell, TableHead, TableRow, TextField, Typography } from '@mui/material';
import { startRegistration } from '@simplewebauthn/browser';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser';
import { useState } from 'react';
import { useNotify } from 'react-admin';

import { problem } from '../accounts/settings';
import { ApiError, Schemas, api } from '../api';
import { ConfirmButton, Loading, Proof, ProofFields, proofBody, useHasTwoFactor, useLoad } from './common';
import { BackupCodes } from './totp-setup';

type Passkey = Schemas['PasskeyDto'];

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : 'never');

/** Whether this browser can create passkeys at all (WebAuthn needs a secure context: https or localhost). */
const supported = () => typeof window !== 'undefined' && window.isSecureContext && typeof window.PublicKeyCredential === 'function';

/** The API asks for the password (and a code with 2FA) when the sign-in is not recent. */
const needsProof = (err: unknown) => err instanceof ApiError && (err.body.code === 'REAUTH_REQUIRED' || err.body.code === 'MFA_CODE_REQUIRED');

/**
 * My account > Security > Passkeys: add one (named), list with created and last used, rename,
 * remove. Adding one beside another factor, and removing one, need a recent sign-in (5 minutes);
 * past that the API asks for the password (and a code), and the page asks for them, then goes on.
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
  const [pending, setPending] = useState<{ action: 'add' } | { action: 'remove'; key: Passkey }>();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const twoFactor = useHasTwoFactor();

  const changed = () => {
    keys.reload();
    onChange();
  };

  const add = async (proof?: Proof) => {
    setBusy(true);
    setError(undefined);
    try {
      const { challengeId, options } = await api.post('/me/mfa/passkeys/options', { body: proof ?? {} });
      const credential = await startRegistration({ optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON });
      const res = await api.post('/me/mfa/passkeys', {
        body: { challengeId, name: name.trim() || 'Passkey', credential: credential as unknown as Record<string, never> },
      });
      setCodes(res.backupCodes);
      setAdded(true);
      setPending(undefined);
      setName('');
      notify(`Passkey "${res.passkey.name}" added`, { type: 'success' });
      changed();
    } catch (err) {
      if (needsProof(err) && !proof) {
        setPending({ action: 'add' });
        return;
      }
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

  const remove = async (k: Passkey, proof?: Proof) => {
    try {
      await api.delete('/me/mfa/passkeys/{id}', { params: { id: k.id }, body: proof ?? {} });
      setPending(undefined);
      notify(`Passkey "${k.name}" removed`, { type: 'success' });
    } catch (err) {
      if (needsProof(err) && !proof) {
        setPending({ action: 'remove', key: k });
        return;
      }
      notify(problem(err), { type: 'error' });
    }
    changed();
  };

  const confirm = async () => {
    const proof = proofBody(password, code);
    setPassword('');
    setCode('');
    if (pending?.action === 'add') {
      await add(proof);
    } else if (pending?.action === 'remove') {
      await remove(pending.key, proof);
    }
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
                      onConfirm={() => remove(k)}
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
      {pending && (
        <Box component="form" data-testid="passkey-proof" onSubmit={(e) => (e.preventDefault(), void confirm())} sx={{ maxWidth: 480, mt: 1 }}>
          <Typography variant="body2">
            Confirm it is you to {pending.action === 'add' ? 'add a passkey' : `remove the passkey "${pending.key.name}"`}.
          </Typography>
          <ProofFields password={password} code={code} onPassword={setPassword} onCode={setCode} withCode={twoFactor === true} />
          <Button type="submit" variant="contained" disabled={busy || !password}>
            Confirm
          </Button>
          <Button onClick={() => setPending(undefined)}>Cancel</Button>
        </Box>
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
