import { Alert, Button, Card, CardContent, CircularProgress, Dialog, DialogActions, DialogContent, DialogTitle, TextField, Typography } from '@mui/material';
import { ReactNode, useCallback, useEffect, useState } from 'react';
import { useLogoutIfAccessDenied } from 'react-admin';

import { problem } from '../accounts/settings';
import { api } from '../api';

/** GET a path; a session that ended elsewhere (401) leads back to the sign-in page, as react-admin's own calls do. */
export function useLoad<T>(path: string): { data?: T; error?: string; reload: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const logoutIfAccessDenied = useLogoutIfAccessDenied();
  const reload = useCallback(() => {
    api<T>(path)
      .then((d) => {
        setData(d);
        setError(undefined);
      })
      .catch((err) => {
        setError(problem(err));
        void logoutIfAccessDenied(err);
      });
  }, [path, logoutIfAccessDenied]);
  useEffect(reload, [reload]);
  return { data, error, reload };
}

export function Section({ title, children, id }: { title: string; children: ReactNode; id?: string }) {
  return (
    <Card sx={{ mb: 2 }} component="section" aria-labelledby={id} data-testid={id}>
      <CardContent>
        <Typography variant="h6" component="h2" gutterBottom id={id}>
          {title}
        </Typography>
        {children}
      </CardContent>
    </Card>
  );
}

export function Loading({ error }: { error?: string }) {
  return error ? <Alert severity="error">{error}</Alert> : <CircularProgress size={24} aria-label="Loading" />;
}

export function ConfirmButton({
  label,
  title,
  body,
  onConfirm,
  color = 'error',
  variant = 'text',
}: {
  label: string;
  title: string;
  body: ReactNode;
  onConfirm: () => Promise<void>;
  color?: 'error' | 'primary';
  variant?: 'text' | 'outlined' | 'contained';
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="small" color={color} variant={variant} onClick={() => setOpen(true)}>
        {label}
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)}>
        <DialogTitle>{title}</DialogTitle>
        <DialogContent>{body}</DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)}>Cancel</Button>
          <Button
            color={color}
            variant="contained"
            onClick={() => {
              setOpen(false);
              void onConfirm();
            }}
          >
            Confirm
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}

export interface Proof {
  password: string;
  code?: string;
}

/** The body of a reauth: the password, and the code only when one was typed (the API refuses an empty code). */
export function proofBody(password: string, code: string): Proof {
  return code.trim() ? { password, code: code.trim() } : { password };
}

/** Password and, with 2FA, a current code: the fields of every reauth dialog. */
export function ProofFields({
  password,
  code,
  onPassword,
  onCode,
  withCode,
}: {
  password: string;
  code: string;
  onPassword: (v: string) => void;
  onCode: (v: string) => void;
  withCode: boolean;
}) {
  return (
    <>
      <TextField
        label="Current password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(e) => onPassword(e.target.value)}
        fullWidth
        margin="dense"
      />
      {withCode && (
        <TextField
          label="Code from your authenticator, a text message or a backup code"
          value={code}
          onChange={(e) => onCode(e.target.value.trim())}
          fullWidth
          margin="dense"
          slotProps={{ htmlInput: { autoComplete: 'one-time-code' } }}
        />
      )}
    </>
  );
}

/** Whether the signed-in user has a second factor (reauth then also needs a code). */
export function useHasTwoFactor(): boolean | undefined {
  const { data } = useLoad<{ enabled: boolean }>('/me/mfa');
  return data?.enabled;
}
