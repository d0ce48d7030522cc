import { Alert, Card, CardContent, Table, TableBody, TableCell, TableRow, Typography } from '@mui/material';
import { useEffect, useState } from 'react';

import { api } from '../api';
import { problem } from './settings';

interface BillingSummary {
  planName: string | null;
  seats: number | null;
  renewsOn: string | null;
  paymentMethod: { brand: string; last4: string } | null;
  updatedAt: string | null;
}

function brandName(brand: string): string {
  return brand.charAt(0).toUpperCase() + brand.slice(1).replace(/[_-]/g, ' ');
}

/** The plan, seats, renewal and card on file as the host's billing system last pushed them (owners and admins). */
export function BillingSummaryCard({ accountId }: { accountId: string }) {
  const [summary, setSummary] = useState<BillingSummary>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    api<BillingSummary>(`/accounts/${accountId}/billing`)
      .then(setSummary)
      .catch((err: unknown) => setError(problem(err)));
  }, [accountId]);
  return (
    <Card sx={{ mt: 2, maxWidth: 720 }} data-testid="billing-summary">
      <CardContent>
        <Typography variant="h6" component="h2">
          Billing
        </Typography>
        {error && <Alert severity="error">{error}</Alert>}
        {summary && !summary.planName && <Typography color="text.secondary">No billing information yet.</Typography>}
        {summary?.planName && (
          <Table size="small" aria-label="Billing summary">
            <TableBody>
              <TableRow>
                <TableCell component="th">Plan</TableCell>
                <TableCell>{summary.planName}</TableCell>
              </TableRow>
              {summary.seats !== null && (
                <TableRow>
                  <TableCell component="th">Seats</TableCell>
                  <TableCell>{summary.seats}</TableCell>
                </TableRow>
              )}
              {summary.renewsOn && (
                <TableRow>
                  <TableCell component="th">Renews on</TableCell>
                  <TableCell>
                    {new Date(`${summary.renewsOn}T00:00:00Z`).toLocaleDateString(undefined, { dateStyle: 'long', timeZone: 'UTC' })}
                  </TableCell>
                </TableRow>
              )}
              <TableRow>
                <TableCell component="th">Payment method</TableCell>
                <TableCell>
                  {summary.paymentMethod
                    ? `${brandName(summary.paymentMethod.brand)} ending in ${summary.paymentMethod.last4}`
                    : 'None on file'}
                </TableCell>
              </TableRow>
            </TableBody>
          </Table>
        )}
        <Typography variant="caption" color="text.secondary" component="p" sx={{ mt: 1 }}>
          Managed by your billing provider; only owners and admins see this.
        </Typography>
      </CardContent>
    </Card>
  );
}
