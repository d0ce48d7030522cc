import { Alert, Box, Button, TextField, Typography } from '@mui/material';
import { FormEvent, useState } from 'react';

import { problem } from '../accounts/settings';
import { api } from '../api';

export function downloadCodes(codes: string[]) {
  const text = `Latchkey backup codes\nEach code works once.\n\n${codes.join('\n')}\n`;
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = 'latchkey-backup-codes.txt';
  a.click();
  URL.revokeObjectURL(url);
}

const PRINT_STYLE = `@media print {
  body.lk-printing * { visibility: hidden !important; }
  body.lk-printing .lk-print-area, body.lk-printing .lk-print-area * { visibility: visible !important; }
  body.lk-printing .lk-print-area { position: absolute; left: 0; top: 0; width: 100%; }
}`;

/** Prints only the codes: the rest of the page is hidden by a print-only style while the dialog is open. */
export function printCodes() {
  if (!document.getElementById('lk-print-style')) {
    const style = document.createElement('style');
    style.id = 'lk-print-style';
    style.textContent = PRINT_STYLE;
    document.head.appendChild(style);
  }
  document.body.classList.add('lk-printing');
  try {
    window.print();
  } finally {
    document.body.classList.remove('lk-printing');
  }
}

export function BackupCodes({ codes }: { codes: string[] }) {
  return (
    <Box>
      <Alert severity="warning" sx={{ my: 1 }}>
        Save these backup codes now: they are shown only once. Each one signs you in once if you lose your phone. Keep them away from the
        phone itself.
      </Alert>
      <Box className="lk-print-area">
        <Typography sx={{ display: 'none', '@media print': { display: 'block' } }}>Latchkey backup codes. Each code works once.</Typography>
        <Box
          component="pre"
          data-testid="backup-codes"
          sx={{ fontFamily: 'monospace', columns: 2, bgcolor: 'action.hover', p: 2, borderRadius: 1 }}
        >
          {codes.join('\n')}
        </Box>
      </Box>
      <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
        <Button variant="outlined" onClick={() => downloadCodes(codes)}>
          Download as .txt
        </Button>
        <Button variant="outlined" onClick={printCodes}>
          Print
        </Button>
      </Box>
    </Box>
  );
}

/**
 * Scan the QR (or type the secret), confirm with a code, then keep the backup codes. With a
 * `name`: another authenticator app, added under that name (POST /me/mfa/authenticators).
 */
export function TotpSetup({ onDone, name }: { onDone: () => void; name?: string }) {
  const [setup, setSetup] = useState<{ secret: string; qrCode: string; otpauthUri: string }>();
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[]>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const start = async () => {
    setBusy(true);
    try {
      setSetup(
        name === undefined
          ? await api('/me/mfa/totp/setup', { method: 'POST', body: {} })
          : await api('/me/mfa/authenticators', { method: 'POST', body: { name } }),
      );
      setError(undefined);
    } catch (err) {
      setError(problem(err));
    } finally {
      setBusy(false);
    }
  };
  const confirm = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const res = await api<{ backupCodes?: string[] }>('/me/mfa/totp/confirm', { method: 'POST', body: { code } });
      setError(undefined);
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

  return (
    <Box>
      {error && (
        <Alert severity="error" sx={{ my: 1 }}>
          {error}
        </Alert>
      )}
      {codes ? (
        <>
          <Alert severity="success">Authenticator app enabled.</Alert>
          <BackupCodes codes={codes} />
          <Button variant="contained" sx={{ mt: 2, ml: 0 }} onClick={onDone}>
            I saved my codes
          </Button>
        </>
      ) : !setup ? (
        <Button variant="contained" onClick={() => void start()} disabled={busy}>
          {name === undefined ? 'Set up an authenticator app' : `Set up "${name}"`}
        </Button>
      ) : (
        <form onSubmit={confirm}>
          <Typography>Scan this QR code with your authenticator app, then enter the 6-digit code it shows.</Typography>
          <Box
            component="img"
            src={setup.qrCode}
            alt="QR code for your authenticator app"
            data-testid="totp-qr"
            sx={{ width: 200, height: 200, my: 1 }}
          />
          <Typography variant="body2">
            Cannot scan? Enter this key: <code data-testid="totp-secret">{setup.secret}</code>
          </Typography>
          <TextField
            label="6-digit code"
            name="totp-code"
            value={code}
            onChange={(e) => setCode(e.target.value.trim())}
            inputMode="numeric"
            autoComplete="one-time-code"
            margin="normal"
            required
          />
          <Box>
            <Button type="submit" variant="contained" disabled={busy}>
              Verify and enable
            </Button>
          </Box>
        </form>
      )}
    </Box>
  );
}
