import { Alert, Box, Button, LinearProgress, Typography } from '@mui/material';
import { FormEvent, useCallback, useEffect, useState } from 'react';

import { problem } from '../accounts/settings';
import { ApiError, Schemas, api } from '../api';
import { ProofFields, Section, proofBody, useHasTwoFactor } from './common';

type DataExport = Schemas['DataExportDto'];

const POLL_MS = 1000;
const STAGES: Record<string, string> = {
  profile: 'your profile',
  preferences: 'your preferences',
  sessions: 'your sessions',
  'login-activity': 'your sign-in history',
  factors: 'your two-factor settings',
  'trusted-devices': 'your trusted devices',
  memberships: 'your accounts',
  invitations: 'your invitations',
  notifications: 'your notifications',
  'notification-preferences': 'your notification preferences',
  'support-tickets': 'your support requests',
  'audit-log': 'your security log',
};

const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '');

function sizeOf(bytes: number | null): string {
  if (bytes === null) {
    return '';
  }
  return bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * "Export my data": starts the export (a recent sign-in, or the password and a code), follows its
 * progress by polling, then offers the download (the session cookie is the only key to it).
 */
export function DataExport() {
  const twoFactor = useHasTwoFactor();
  const [current, setCurrent] = useState<DataExport>();
  const [error, setError] = useState<string>();
  const [askProof, setAskProof] = useState(false);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    api
      .get('/me/exports')
      .then((page) => setCurrent(page.items[0]))
      .catch((err) => setError(problem(err)));
  }, []);
  useEffect(load, [load]);

  const active = current?.state === 'queued' || current?.state === 'running';
  const id = current?.id;
  useEffect(() => {
    if (!active || !id) {
      return;
    }
    const timer = setInterval(() => {
      api
        .get('/me/exports/{id}', { params: { id } })
        .then(setCurrent)
        .catch((err) => setError(problem(err)));
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [active, id]);

  const start = async (e?: FormEvent) => {
    e?.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const started = await api.post('/me/exports', { body: askProof ? proofBody(password, code) : {} });
      setCurrent(started);
      setAskProof(false);
      setPassword('');
      setCode('');
    } catch (err) {
      if (err instanceof ApiError && (err.body.code === 'REAUTH_REQUIRED' || err.body.code === 'MFA_CODE_REQUIRED') && !askProof) {
        setAskProof(true);
      } else {
        setError(problem(err));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section title="Export my data" id="data-export">
      <Typography gutterBottom>
        Download a copy of what Latchkey holds about you: profile and preferences, sessions and sign-in history, two-factor settings (never the secrets),
        trusted devices, accounts and invitations, notifications, support requests and your security log, as JSON files in one zip.
      </Typography>
      <Typography variant="body2" color="text.secondary" gutterBottom>
        You can ask for one export a day. We email you when it is ready; the file is kept for 7 days, then deleted.
      </Typography>
      {error && (
        <Alert severity="error" sx={{ my: 1 }}>
          {error}
        </Alert>
      )}
      {current && active && (
        <Box sx={{ my: 2 }} data-testid="export-running">
          <LinearProgress variant="determinate" value={current.progress} aria-label="Export progress" data-testid="export-progress" />
          <Typography variant="body2" sx={{ mt: 1 }}>
            {current.state === 'queued' ? 'Waiting to start…' : `Exporting ${STAGES[current.stage ?? ''] ?? 'your data'}… ${current.progress}%`}
          </Typography>
        </Box>
      )}
      {current?.state === 'ready' && current.downloadUrl && (
        <Alert severity="success" sx={{ my: 2 }} data-testid="export-ready">
          Your export of {when(current.createdAt)} is ready ({sizeOf(current.sizeBytes)}); it is deleted on {when(current.expiresAt)}.
          <Box sx={{ mt: 1 }}>
            <Button variant="contained" component="a" href={current.downloadUrl} download data-testid="export-download">
              Download
            </Button>
          </Box>
        </Alert>
      )}
      {current?.state === 'failed' && (
        <Alert severity="warning" sx={{ my: 2 }}>
          The export of {when(current.createdAt)} could not be finished. Please start a new one.
        </Alert>
      )}
      {askProof ? (
        <Box component="form" onSubmit={(e) => void start(e)} sx={{ maxWidth: 480 }}>
          <Typography variant="body2">Confirm it is you to export your data.</Typography>
          <ProofFields password={password} code={code} onPassword={setPassword} onCode={setCode} withCode={twoFactor === true} />
          <Button type="submit" variant="contained" disabled={busy || !password}>
            Confirm and export
          </Button>
        </Box>
      ) : (
        <Button variant="outlined" onClick={() => void start()} disabled={busy || active}>
          Export my data
        </Button>
      )}
    </Section>
  );
}
