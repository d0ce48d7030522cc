import { Alert, Box, Button, Card, CardContent, Link, Stack, Typography } from '@mui/material';
import { useQueryClient } from '@tanstack/react-query';
import { ReactNode, useCallback } from 'react';
import { Link as RouterLink, useNavigate, useSearchParams } from 'react-router-dom';

import { ApiError } from '../api';
import { PUBLIC_ROUTES } from './routes';

/** The frame of every public page: a centred card, as the sign-in page. */
export function PublicCard({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <Box sx={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', bgcolor: 'grey.100', p: 2 }}>
      <Card sx={{ width: '100%', maxWidth: 460 }} data-testid={testId}>
        <CardContent>
          <Typography variant="h5" component="h1" gutterBottom>
            {title}
          </Typography>
          {children}
        </CardContent>
      </Card>
    </Box>
  );
}

/** How a flow ended: what happened and what to do next, with the buttons for it. */
export function Outcome({ severity, title, children, actions }: { severity: 'success' | 'error' | 'info' | 'warning'; title: string; children?: ReactNode; actions?: ReactNode }) {
  return (
    <Box data-testid="outcome" data-outcome={severity}>
      <Alert severity={severity} sx={{ mb: 2 }}>
        <strong>{title}</strong>
        {children && <Box sx={{ mt: 0.5 }}>{children}</Box>}
      </Alert>
      {actions && (
        <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: 'wrap' }}>
          {actions}
        </Stack>
      )}
    </Box>
  );
}

export function PageLink({ to, children, state }: { to: string; children: ReactNode; state?: unknown }) {
  return (
    <Link component={RouterLink} to={to} state={state} underline="hover">
      {children}
    </Link>
  );
}

export function PageButton({ to, children, variant = 'contained' }: { to: string; children: ReactNode; variant?: 'contained' | 'outlined' | 'text' }) {
  return (
    <Button component={RouterLink} to={to} variant={variant}>
      {children}
    </Button>
  );
}

export const SignInButton = ({ variant }: { variant?: 'contained' | 'outlined' }) => (
  <PageButton to={PUBLIC_ROUTES.signIn} variant={variant}>
    Sign in
  </PageButton>
);

/** The token of an emailed link (`#/page?token=...`). */
export function useToken(): string {
  const [params] = useSearchParams();
  return params.get('token')?.trim() ?? '';
}

export function codeOf(err: unknown): string | undefined {
  return err instanceof ApiError ? err.body.code : undefined;
}

/** The API's own words (problem+json `detail`), or a plain message when the network failed. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) {
    return err.message;
  }
  return 'The server could not be reached. Check your connection and try again.';
}

/** `errors[]` of a problem as field → message, for helper texts under the inputs. */
export function fieldErrors(err: unknown): Record<string, string> {
  if (!(err instanceof ApiError)) {
    return {};
  }
  return Object.fromEntries((err.body.errors ?? []).map((e) => [e.field, e.message]));
}

/**
 * The console caches its "are we signed in?" answer. A public page that signs someone in (or
 * leads to the sign-in page) resets it, so the console asks the API again instead of logging
 * the fresh session out on the strength of the old answer.
 */
export function useResetAuthState() {
  const queryClient = useQueryClient();
  return useCallback(() => void queryClient.resetQueries({ queryKey: ['auth'] }), [queryClient]);
}

/** Into the signed-in console after a public page signed someone in. */
export function useEnterConsole() {
  const resetAuth = useResetAuthState();
  const navigate = useNavigate();
  return useCallback(
    (path = '/') => {
      resetAuth();
      navigate(path);
    },
    [resetAuth, navigate],
  );
}
