import { Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogTitle, TextField, Typography } from '@mui/material';
import { useState } from 'react';

import { problem } from '../accounts/settings';
import { api } from '../api';
import { Proof, proofBody } from './common';
import { BackupCodes } from './totp-setup';

/** Text-message factor: the number, then the 6-digit code sent to it. */
export function SmsSetup({ onDone }: { onDone: () => void }) {
  const [phone, setPhone] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [sentTo, setSentTo] = useState<string>();
  const [codes, setCodes] = useState<string[]>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const send = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const res = await api<{ phone: string }>('/me/mfa/sms/setup', { method: 'POST', body: password ? { phone, password } : { phone } });
      setSentTo(res.phone);
    } catch (err) {
      setError(problem(err));
    } finally {
      setBusy(false);
    }
  };
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const res = await api<{ backupCodes?: string[] }>('/me/mfa/sms/confirm', { method: 'POST', body: { code } });
      if (res.backupCodes?.length) {
        setCodes(res.backupCodes);
      } else {
        onDone();
      }
    } catch (err) {
      setError(problem(err));
    } finally {
      setBusy(false);
    }
  };

  if (codes) {
    return (
      <Box>
        <BackupCodes codes={codes} />
        <Button variant="contained" onClick={onDone} sx={{ mt: 1 }}>
          I saved my backup codes
        </Button>
      </Box>
    );
  }
  return (
    <Box sx={{ mt: 2, maxWidth: 420 }}>
      <Typography variant="subtitle1">Text message</Typography>
      {error && <Alert severity="error">{error}</Alert>}
      {!sentTo ? (
        <>
          <TextField
            label="Phone (E.164, e.g. +14155550123)"
            value={phone}
            onChange={(e) => setPhone(e.target.value.trim())}
            fullWidth
            margin="dense"
            slotProps={{ htmlInput: { inputMode: 'tel' } }}
          />
          <TextField
            label="Password (if asked)"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            fullWidth
            margin="dense"
          />
          <Button variant="outlined" onClick={() => void send()} disabled={busy || !phone}>
            Send code
          </Button>
        </>
      ) : (
        <>
          <Typography variant="body2">We sent a code to {sentTo}.</Typography>
          <TextField
            label="Code"
            value={code}
            onChange={(e) => setCode(e.target.value.trim())}
            fullWidth
            margin="dense"
            slotProps={{ htmlInput: { inputMode: 'numeric', autoComplete: 'one-time-code' } }}
          />
          <Button variant="contained" onClick={() => void confirm()} disabled={busy || code.length !== 6}>
            Turn on text messages
          </Button>
        </>
      )}
    </Box>
  );
}

/** A button opening a dialog that asks for the password and a current code (reauth), then acts. */
export function ProofDialog(props: {
  buttonLabel: string;
  title: string;
  body: string;
  confirmLabel: string;
  color?: 'error' | 'primary';
  onSubmit: (proof: Proof) => Promise<void>;
}) {
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string>();
  const submit = async () => {
    try {
      await props.onSubmit(proofBody(password, code));
      setOpen(false);
      setPassword('');
      setCode('');
      setError(undefined);
    } catch (err) {
      setError(problem(err));
    }
  };
  return (
    <>
      <Button size="small" color={props.color ?? 'primary'} onClick={() => setOpen(true)}>
        {props.buttonLabel}
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)}>
        <DialogTitle>{props.title}</DialogTitle>
        <DialogContent>
          <Typography variant="body2">{props.body}</Typography>
          {error && <Alert severity="error">{error}</Alert>}
          <TextField
            label="Password"
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            fullWidth
            margin="dense"
          />
          <TextField label="Code" value={code} onChange={(e) => setCode(e.target.value.trim())} fullWidth margin="dense" />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)}>Cancel</Button>
          <Button color={props.color ?? 'primary'} variant="contained" onClick={() => void submit()}>
            {props.confirmLabel}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}

/** Removing a factor always needs the password and a current code. */
export function RemoveFactor({ label, path, onDone }: { label: string; path: string; onDone: () => void }) {
  return (
    <ProofDialog
      buttonLabel={`Remove ${label}`}
      title={`Remove ${label}?`}
      body="Confirm with your password and a current code."
      confirmLabel="Remove"
      color="error"
      onSubmit={async (proof) => {
        await api(path, { method: 'DELETE', body: proof });
        onDone();
      }}
    />
  );
}
