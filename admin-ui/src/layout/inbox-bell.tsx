import { Badge, Box, Button, IconButton, Popover, SvgIcon, Tooltip, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import { useNotify } from 'react-admin';
import { useLocation, useNavigate } from 'react-router-dom';

import { InboxEntries, openEntry, useInbox, useUnreadCount } from '../me/inbox';

const POLL_MS = 30_000;

function BellIcon() {
  return (
    <SvgIcon>
      <path d="M12 22c1.1 0 2-.9 2-2h-4c0 1.1.89 2 2 2zm6-6v-5c0-3.07-1.64-5.64-4.5-6.32V4c0-.83-.67-1.5-1.5-1.5s-1.5.67-1.5 1.5v.68C7.63 5.36 6 7.92 6 11v5l-2 2v1h16v-1l-2-2z" />
    </SvgIcon>
  );
}

/** The in-app inbox in the app bar: the unread count, the latest entries, and a way to the full inbox. */
export function InboxBell() {
  const notify = useNotify();
  const navigate = useNavigate();
  const [unread] = useUnreadCount();
  const { page, load, markRead, markAllRead } = useInbox(8);
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const { pathname } = useLocation();
  useEffect(() => setAnchor(null), [pathname]);
  useEffect(() => {
    void load();
    const id = setInterval(() => {
      if (document.visibilityState === 'visible') {
        void load();
      }
    }, POLL_MS);
    return () => clearInterval(id);
  }, [load]);
  const label = unread ? `Notifications: ${unread} unread` : 'Notifications';
  return (
    <>
      <Tooltip title={label}>
        <IconButton
          color="inherit"
          aria-label={label}
          data-testid="inbox-bell"
          onClick={(e) => {
            setAnchor(e.currentTarget);
            void load();
          }}
        >
          <Badge badgeContent={unread} color="error" max={99} data-testid="inbox-badge">
            <BellIcon />
          </Badge>
        </IconButton>
      </Tooltip>
      <Popover
        open={Boolean(anchor)}
        anchorEl={anchor}
        onClose={() => setAnchor(null)}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'right' }}
        transformOrigin={{ vertical: 'top', horizontal: 'right' }}
        slotProps={{ paper: { sx: { width: 360, maxWidth: 'calc(100vw - 16px)' } } }}
      >
        <Box sx={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between', px: 2, py: 1 }}>
          <Typography variant="subtitle1" component="h2">
            Notifications
          </Typography>
          <Button size="small" disabled={!unread} onClick={() => markAllRead().catch((err: Error) => notify(err.message, { type: 'error' }))}>
            Mark all as read
          </Button>
        </Box>
        {page && <InboxEntries dense items={page.items} onOpen={(i) => openEntry(i, markRead, (m) => notify(m, { type: 'error' }))} />}
        <Box sx={{ px: 2, py: 1 }}>
          <Button
            size="small"
            onClick={() => {
              setAnchor(null);
              navigate('/me/inbox');
            }}
          >
            Open the inbox
          </Button>
        </Box>
      </Popover>
    </>
  );
}
