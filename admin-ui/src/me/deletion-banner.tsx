import { Alert, Button } from '@mui/material';
import { useState } from 'react';
import { useGetIdentity, useNotify } from 'react-admin';

import { problem } from '../accounts/settings';
import { api } from '../api';

export const deletionDate = (iso: string) => new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' });

/**
 * Signing in during a deletion's grace period lands here on every page: the date, and the way
 * back (POST /me/deletion/cancel). Shown until the user cancels or the account is erased.
 */
export function DeletionBanner() {
  const { data, refetch } = useGetIdentity();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  const scheduled = (data as { deletionScheduledFor?: string | null } | undefined)?.deletionScheduledFor;
  if (!scheduled) {
    return null;
  }
  const cancel = async () => {
    setBusy(true);
    try {
      await api('/me/deletion/cancel', { method: 'POST' });
      notify('The deletion is cancelled: your account stays.', { type: 'success' });
      await refetch();
    } catch (err) {
      notify(problem(err), { type: 'error' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Alert
      severity="warning"
      sx={{ mt: 1, mb: 1 }}
      data-testid="deletion-banner"
      action={
        <Button color="inherit" size="small" variant="outlined" disabled={busy} onClick={() => void cancel()}>
          Cancel deletion
        </Button>
      }
    >
      Your account is scheduled for deletion on {deletionDate(scheduled)}. Until then you can keep it.
    </Alert>
  );
}
