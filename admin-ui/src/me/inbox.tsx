import { Box, Button, Chip, List, ListItemButton, ListItemText, Typography } from '@mui/material';
import { useCallback, useEffect, useState } from 'react';
import { useLogoutIfAccessDenied, useNotify, useStore } from 'react-admin';

import { problem } from '../accounts/settings';
import { api } from '../api';
import { Loading, Section } from './common';

export interface InboxItem {
  id: string;
  event: string;
  category: string;
  title: string;
  body: string;
  link: string | null;
  createdAt: string;
  readAt: string | null;
}

interface InboxPage {
  items: InboxItem[];
  nextCursor: string | null;
  unreadCount: number;
}

/** The unread count, shared by the bell in the app bar and the inbox page. */
export function useUnreadCount(): [number, (n: number) => void] {
  const [n, setN] = useStore<number>('lk.inboxUnread', 0);
  return [n, setN];
}

/** One page of the inbox; marking read updates the shared count at once. */
export function useInbox(limit: number) {
  const [, setUnread] = useUnreadCount();
  const [page, setPage] = useState<InboxPage>();
  const [error, setError] = useState<string>();
  const logoutIfAccessDenied = useLogoutIfAccessDenied();
  const load = useCallback(async () => {
    try {
      const p = await api<InboxPage>(`/me/notifications?limit=${limit}`);
      setPage(p);
      setUnread(p.unreadCount);
      setError(undefined);
    } catch (err) {
      setError(problem(err));
      await logoutIfAccessDenied(err);
    }
  }, [limit, setUnread, logoutIfAccessDenied]);
  const markRead = useCallback(
    async (id: string) => {
      const res = await api<{ unreadCount: number }>(`/me/notifications/${id}/read`, { method: 'POST' });
      setUnread(res.unreadCount);
      setPage((p) => p && { ...p, unreadCount: res.unreadCount, items: p.items.map((i) => (i.id === id ? { ...i, readAt: new Date().toISOString() } : i)) });
    },
    [setUnread],
  );
  const markAllRead = useCallback(async () => {
    await api('/me/notifications/read-all', { method: 'POST' });
    setUnread(0);
    setPage((p) => p && { ...p, unreadCount: 0, items: p.items.map((i) => ({ ...i, readAt: i.readAt ?? new Date().toISOString() })) });
  }, [setUnread]);
  return { page, error, load, markRead, markAllRead };
}

export function InboxEntries({
  items,
  onOpen,
  dense,
}: {
  items: InboxItem[];
  onOpen: (item: InboxItem) => void;
  dense?: boolean;
}) {
  if (items.length === 0) {
    return (
      <Typography color="text.secondary" sx={{ p: 2 }} data-testid="inbox-empty">
        Nothing here yet.
      </Typography>
    );
  }
  return (
    <List dense={dense} disablePadding data-testid="inbox-list">
      {items.map((i) => (
        <ListItemButton key={i.id} onClick={() => onOpen(i)} data-testid="inbox-item" data-unread={i.readAt ? 'false' : 'true'} sx={{ alignItems: 'flex-start' }}>
          <ListItemText
            primary={
              <Box component="span" sx={{ display: 'flex', gap: 1, alignItems: 'center', fontWeight: i.readAt ? 'normal' : 'bold' }}>
                {!i.readAt && <Box component="span" aria-label="unread" sx={{ width: 8, height: 8, borderRadius: '50%', bgcolor: 'primary.main', flex: 'none' }} />}
                {i.title}
              </Box>
            }
            secondary={`${i.body} · ${new Date(i.createdAt).toLocaleString()}`}
          />
        </ListItemButton>
      ))}
    </List>
  );
}

/** Opens a host-provided link in a new tab; the entry is marked read either way. */
export function openEntry(item: InboxItem, markRead: (id: string) => Promise<void>, onError: (msg: string) => void) {
  if (!item.readAt) {
    markRead(item.id).catch((err) => onError(problem(err)));
  }
  if (item.link && /^https?:\/\//.test(item.link)) {
    window.open(item.link, '_blank', 'noopener,noreferrer');
  }
}

export function InboxTab() {
  const notify = useNotify();
  const { page, error, load, markRead, markAllRead } = useInbox(50);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <Section title="Inbox" id="inbox">
      {!page ? (
        <Loading error={error} />
      ) : (
        <>
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 1, flexWrap: 'wrap' }}>
            <Chip label={`${page.unreadCount} unread`} color={page.unreadCount ? 'primary' : 'default'} size="small" />
            <Button size="small" disabled={page.unreadCount === 0} onClick={() => markAllRead().catch((err) => notify(problem(err), { type: 'error' }))}>
              Mark all as read
            </Button>
          </Box>
          <InboxEntries items={page.items} onOpen={(i) => openEntry(i, markRead, (m) => notify(m, { type: 'error' }))} />
        </>
      )}
    </Section>
  );
}
