import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  Checkbox,
  Chip,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  Grid,
  List as MuiList,
  ListItem,
  ListItemText,
  TextField as MuiTextField,
  Typography,
} from '@mui/material';
import { useCallback, useEffect, useState } from 'react';
import { Datagrid, FunctionField, List, SelectInput, TextField, TextInput, Title, useGetIdentity, useNotify } from 'react-admin';
import { useParams } from 'react-router-dom';

import { problem } from '../accounts/settings';
import { api } from '../api';
import { ProofFields, proofBody, type Proof } from '../me/common';
import { StaffTwoFactorNotice } from './staff-2fa';

const STATES = ['open', 'verifying', 'awaiting_approval', 'approved', 'executed', 'rejected', 'cancelled'];
const TYPES = ['mfa_reset', 'account_deletion', 'other'];
const CHECKS: Array<{ kind: string; label: string }> = [
  { kind: 'sign_in_history', label: 'Sign-in history described correctly' },
  { kind: 'account_knowledge', label: 'Account knowledge (accounts, members, settings)' },
  { kind: 'government_id', label: 'Government ID seen' },
  { kind: 'phone_callback', label: 'Called back the number on file' },
];

interface Person {
  id: string;
  email: string;
  displayName: string;
}

interface Ticket {
  id: string;
  /** The full reference mailed to the user, once the API sends one. */
  reference?: string;
  type: string;
  state: string;
  email: string;
  userId: string | null;
  message: string;
  verifierId: string | null;
  approverId: string | null;
  executeAfter: string | null;
  executedAt: string | null;
  reason: string | null;
  createdAt: string;
  requester?: Person | null;
  verifier?: Person | null;
  approver?: Person | null;
  checks: Array<{ kind: string; note: string; agentId: string | null; agent?: Person | null; createdAt: string }>;
  checksMissing: number;
  events: Array<{
    fromState: string | null;
    toState: string;
    actorKind: string;
    actorId: string | null;
    actor?: Person | null;
    reason: string | null;
    ip: string | null;
    at: string;
  }>;
}

/** The reference as mailed to the user: the API's full reference when it has one. */
export const referenceOf = (t: { id: string; reference?: string }) => t.reference ?? `SUP-${t.id.slice(0, 8).toUpperCase()}`;

const nameOf = (p: Person | null | undefined, fallback = 'a deleted user') => (p ? `${p.displayName} (${p.email})` : fallback);

export function age(iso: string, now = Date.now()): string {
  const mins = Math.max(0, Math.round((now - new Date(iso).getTime()) / 60_000));
  return mins < 60 ? `${mins} min` : mins < 48 * 60 ? `${Math.round(mins / 60)} h` : `${Math.round(mins / 1440)} d`;
}

const choices = (xs: string[]) => xs.map((x) => ({ id: x, name: x.replace(/_/g, ' ') }));

export function TicketList() {
  return (
    <>
    <StaffTwoFactorNotice />
    <List
      title="Support queue"
      exporter={false}
      filters={[
        <TextInput key="q" source="q" label="Reference or email" alwaysOn resettable />,
        <SelectInput key="state" source="state" choices={choices(STATES)} alwaysOn />,
        <SelectInput key="type" source="type" choices={choices(TYPES)} alwaysOn />,
      ]}
    >
      <Datagrid bulkActionButtons={false} rowClick={(id) => `/tickets/${id}/show`} empty={<p style={{ padding: 16 }}>No ticket matches.</p>}>
        <FunctionField label="Reference" render={(t: Ticket) => <code>{referenceOf(t)}</code>} />
        <TextField source="email" sortable={false} />
        <FunctionField label="Type" render={(t: Ticket) => t.type.replace(/_/g, ' ')} />
        <FunctionField label="State" render={(t: Ticket) => <Chip size="small" label={t.state.replace(/_/g, ' ')} data-testid="ticket-state" />} />
        <FunctionField label="Age" render={(t: Ticket) => age(t.createdAt)} />
      </Datagrid>
    </List>
    </>
  );
}

function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  return now;
}

function hms(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60].map((n) => String(n).padStart(2, '0')).join(':');
}

function Countdown({ until, now }: { until: string; now: number }) {
  const left = new Date(until).getTime() - now;
  if (left <= 0) {
    return <Alert severity="success" data-testid="cooldown">Cool-down over: the reset can be executed.</Alert>;
  }
  return (
    <Alert severity="info" data-testid="cooldown">
      Cool-down: {hms(left)} left (until {new Date(until).toLocaleString()}). The user can still cancel.
    </Alert>
  );
}

interface UserContext {
  recentLogins: Array<{ id: string; occurredAt: string; outcome: string; ip: string | null; browser: string | null; os: string | null; location: string | null }>;
  memberships: Array<{ accountId: string; name: string; role: string; require2fa: boolean }>;
  mfa: { enabled: boolean; totp: boolean; sms: string | null; backupCodesRemaining: number };
}

/** What the agent compares the caller's answers with: recent sign-ins and memberships of the user on file. */
function UserFacts({ userId }: { userId: string | null }) {
  const [facts, setFacts] = useState<UserContext>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (userId) {
      api<UserContext>(`/admin/users/${userId}`)
        .then(setFacts)
        .catch((err) => setError(problem(err)));
    }
  }, [userId]);
  if (!userId) {
    return <Typography color="text.secondary">The user of this ticket no longer exists.</Typography>;
  }
  if (!facts) {
    return error ? <Alert severity="error">{error}</Alert> : <CircularProgress size={24} aria-label="Loading" />;
  }
  return (
    <Box data-testid="user-facts">
      <Typography variant="subtitle2">Recent sign-ins</Typography>
      {facts.recentLogins.length === 0 && <Typography variant="body2">None recorded.</Typography>}
      <MuiList dense disablePadding data-testid="recent-sign-ins">
        {facts.recentLogins.slice(0, 5).map((l) => (
          <ListItem key={l.id} disableGutters>
            <ListItemText
              primary={`${new Date(l.occurredAt).toLocaleString()} · ${l.outcome.replace(/_/g, ' ')}`}
              secondary={[[l.browser, l.os].filter(Boolean).join(' on '), l.ip, l.location].filter(Boolean).join(' · ')}
            />
          </ListItem>
        ))}
      </MuiList>
      <Typography variant="subtitle2" sx={{ mt: 1 }}>
        Memberships
      </Typography>
      {facts.memberships.length === 0 && <Typography variant="body2">No accounts.</Typography>}
      <MuiList dense disablePadding data-testid="memberships">
        {facts.memberships.map((m) => (
          <ListItem key={m.accountId} disableGutters>
            <ListItemText primary={`${m.name}: ${m.role}`} secondary={m.require2fa ? 'requires 2FA' : undefined} />
          </ListItem>
        ))}
      </MuiList>
      <Typography variant="body2" sx={{ mt: 1 }}>
        2FA: {facts.mfa.enabled ? [facts.mfa.totp && 'authenticator', facts.mfa.sms && `SMS ${facts.mfa.sms}`].filter(Boolean).join(', ') : 'off'}
      </Typography>
    </Box>
  );
}

function ReasonDialog({
  title,
  open,
  onClose,
  onSubmit,
  withProof,
}: {
  title: string;
  open: boolean;
  onClose: () => void;
  onSubmit: (reason: string, proof?: Proof) => void;
  /** Approving needs a fresh reauth: the password and a current code. */
  withProof?: boolean;
}) {
  const [reason, setReason] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const ready = reason.trim().length >= 3 && (!withProof || (password.length > 0 && code.length > 0));
  return (
    <Dialog open={open} onClose={onClose}>
      <DialogTitle>{title}</DialogTitle>
      <DialogContent>
        <MuiTextField label="Reason" value={reason} onChange={(e) => setReason(e.target.value)} fullWidth multiline margin="dense" autoFocus />
        {withProof && (
          <>
            <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
              Confirm it is you: your password and a code from your authenticator (or a backup code).
            </Typography>
            <ProofFields password={password} code={code} onPassword={setPassword} onCode={setCode} withCode />
          </>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button
          variant="contained"
          disabled={!ready}
          onClick={() => {
            onSubmit(reason.trim(), withProof ? proofBody(password, code) : undefined);
            setPassword('');
            setCode('');
          }}
        >
          {title}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/** Executing needs a fresh reauth too: the password and a current code. */
function ExecuteDialog({ open, onClose, onSubmit, deletion }: { open: boolean; onClose: () => void; onSubmit: (proof: Proof) => void; deletion: boolean }) {
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  return (
    <Dialog open={open} onClose={onClose}>
      <DialogTitle>Execute this ticket?</DialogTitle>
      <DialogContent>
        <Typography>
          {deletion ? 'The user is deleted.' : 'Every second factor of the user is removed and every session ends; they set up 2FA again at their next sign-in.'}
        </Typography>
        <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
          Confirm it is you: your password and a code from your authenticator (or a backup code).
        </Typography>
        <ProofFields password={password} code={code} onPassword={setPassword} onCode={setCode} withCode />
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button
          variant="contained"
          color="error"
          disabled={!password || !code}
          onClick={() => {
            onSubmit(proofBody(password, code));
            setPassword('');
            setCode('');
          }}
        >
          Execute now
        </Button>
      </DialogActions>
    </Dialog>
  );
}

export function TicketShow() {
  const { id } = useParams();
  const notify = useNotify();
  const { data: me } = useGetIdentity();
  const now = useNow();
  const [ticket, setTicket] = useState<Ticket>();
  const [error, setError] = useState<string>();
  const [picked, setPicked] = useState<Record<string, string>>({});
  const [dialog, setDialog] = useState<'approve' | 'reject' | 'execute'>();

  const load = useCallback(() => {
    api<Ticket>(`/support/tickets/${id}`)
      .then(setTicket)
      .catch((err) => setError(problem(err)));
  }, [id]);
  useEffect(load, [load]);

  const act = async (path: string, body: unknown, done: string) => {
    setDialog(undefined);
    try {
      setTicket(await api<Ticket>(`/support/tickets/${id}/${path}`, { method: 'POST', body }));
      setError(undefined);
      notify(done, { type: 'success' });
    } catch (err) {
      setError(problem(err));
    }
  };

  if (!ticket) {
    return error ? (
      <>
        <StaffTwoFactorNotice />
        <Alert severity="error">{error}</Alert>
      </>
    ) : (
      <CircularProgress sx={{ m: 4 }} aria-label="Loading" />
    );
  }
  const lead = me?.staffRole === 'support_lead';
  const recorded = new Set(ticket.checks.map((c) => c.kind));
  const canVerify = ticket.state === 'open' || ticket.state === 'verifying';
  const coolingDown = ticket.state === 'approved' && (!ticket.executeAfter || new Date(ticket.executeAfter).getTime() > now);
  return (
    <Box sx={{ mt: 2, maxWidth: 1100, display: 'flex', flexDirection: 'column', gap: 2 }}>
      <Title title={`Ticket ${referenceOf(ticket)}`} />
      {error && <Alert severity="error">{error}</Alert>}
      <Card>
        <CardContent>
          <Typography variant="h6" component="h2">
            {ticket.type.replace(/_/g, ' ')} for {ticket.requester ? nameOf(ticket.requester) : ticket.email}
          </Typography>
          <Typography variant="body2" color="text.secondary" data-testid="ticket-reference">
            Reference <code>{referenceOf(ticket)}</code>
          </Typography>
          <Typography variant="body2" data-testid="ticket-staff">
            {ticket.verifier ? `Verified by ${nameOf(ticket.verifier)}` : 'Not verified yet'}
            {ticket.approver ? ` · ${ticket.state === 'rejected' ? 'Rejected' : 'Approved'} by ${nameOf(ticket.approver)}` : ''}
          </Typography>
          <Box sx={{ display: 'flex', gap: 1, my: 1, flexWrap: 'wrap' }}>
            <Chip label={ticket.state.replace(/_/g, ' ')} color="primary" data-testid="ticket-state" />
            <Chip variant="outlined" label={`opened ${age(ticket.createdAt)} ago`} />
            {ticket.checksMissing > 0 && <Chip variant="outlined" color="warning" label={`${ticket.checksMissing} check(s) missing`} />}
          </Box>
          <Typography sx={{ whiteSpace: 'pre-wrap' }}>{ticket.message}</Typography>
          {ticket.reason && <Typography color="text.secondary">Reason: {ticket.reason}</Typography>}
          {ticket.state === 'approved' && ticket.executeAfter && <Countdown until={ticket.executeAfter} now={now} />}
          <Box sx={{ display: 'flex', gap: 1, mt: 2, flexWrap: 'wrap' }}>
            {lead && ticket.state === 'awaiting_approval' && (
              <>
                <Button variant="contained" onClick={() => setDialog('approve')}>
                  Approve
                </Button>
                <Button color="error" onClick={() => setDialog('reject')}>
                  Reject
                </Button>
              </>
            )}
            {ticket.state === 'approved' && (
              <Button variant="contained" color="error" disabled={coolingDown} onClick={() => setDialog('execute')} data-testid="execute-button">
                {coolingDown && ticket.executeAfter ? `Execute (in ${hms(new Date(ticket.executeAfter).getTime() - now)})` : 'Execute'}
              </Button>
            )}
          </Box>
        </CardContent>
      </Card>
      <Grid container spacing={2}>
      <Grid size={{ xs: 12, md: 7 }}>
      <Card sx={{ height: '100%' }}>
        <CardContent>
          <Typography variant="h6" component="h2">
            Verification checklist
          </Typography>
          {ticket.checks.map((c) => (
            <Typography key={c.kind + c.createdAt} variant="body2" data-testid="ticket-check">
              ✔ {c.kind.replace(/_/g, ' ')}: {c.note} <em>({c.agent ? `by ${nameOf(c.agent)}` : c.agentId ? 'by a deleted user' : 'by the emailed link'})</em>
            </Typography>
          ))}
          {canVerify && (
            <>
              {CHECKS.filter((c) => !recorded.has(c.kind)).map((c) => (
                <Box key={c.kind} sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
                  <FormControlLabel
                    control={<Checkbox checked={c.kind in picked} onChange={(e) => setPicked(({ [c.kind]: _, ...rest }) => (e.target.checked ? { ...rest, [c.kind]: '' } : rest))} />}
                    label={c.label}
                  />
                  {c.kind in picked && (
                    <MuiTextField size="small" label={`Note: ${c.label}`} value={picked[c.kind]} onChange={(e) => setPicked((p) => ({ ...p, [c.kind]: e.target.value }))} sx={{ flex: 1, minWidth: 200 }} />
                  )}
                </Box>
              ))}
              <Button
                variant="outlined"
                sx={{ mt: 1 }}
                disabled={Object.keys(picked).length === 0}
                onClick={() => void act('verification', { checks: Object.entries(picked).map(([kind, note]) => ({ kind, note })) }, 'Checks recorded').then(() => setPicked({}))}
              >
                Record checks
              </Button>
            </>
          )}
        </CardContent>
      </Card>
      </Grid>
      <Grid size={{ xs: 12, md: 5 }}>
        <Card sx={{ height: '100%' }}>
          <CardContent>
            <Typography variant="h6" component="h2">
              The user on file
            </Typography>
            <UserFacts userId={ticket.userId} />
          </CardContent>
        </Card>
      </Grid>
      </Grid>
      <Card>
        <CardContent>
          <Typography variant="h6" component="h2">
            Audit trail
          </Typography>
          <MuiList dense>
            {ticket.events.map((e, i) => (
              <ListItem key={i} disableGutters>
                <ListItemText
                  primary={`${e.fromState ?? 'new'} → ${e.toState}`}
                  secondary={`${new Date(e.at).toLocaleString()} · ${e.actor ? `by ${nameOf(e.actor)}${e.actorKind === 'staff' ? ' (staff)' : ''}` : e.actorKind === 'anonymous' ? 'from the sign-in page' : `by ${e.actorKind}`}${e.ip ? ` · ${e.ip}` : ''}${e.reason ? ` · ${e.reason}` : ''}`}
                  data-testid="trail-event"
                />
              </ListItem>
            ))}
          </MuiList>
        </CardContent>
      </Card>
      <ReasonDialog
        title="Approve"
        withProof
        open={dialog === 'approve'}
        onClose={() => setDialog(undefined)}
        onSubmit={(reason, proof) => void act('approve', { reason, ...proof }, 'Approved: the cool-down has started')}
      />
      <ReasonDialog title="Reject" open={dialog === 'reject'} onClose={() => setDialog(undefined)} onSubmit={(reason) => void act('reject', { reason }, 'Rejected')} />
      <ExecuteDialog
        open={dialog === 'execute'}
        deletion={ticket.type === 'account_deletion'}
        onClose={() => setDialog(undefined)}
        onSubmit={(proof) => void act('execute', proof, 'Executed')}
      />
    </Box>
  );
}
