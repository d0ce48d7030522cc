import { Box } from '@mui/material';
import { Theme, ThemeProvider } from '@mui/material/styles';
import { ReactNode, useEffect, useMemo } from 'react';
import { useGetIdentity, useStore } from 'react-admin';

const KEY = 'lk.compactMode';

/** Compact mode lives in react-admin's store so the toggle and the layout see the same value at once. */
export function useCompactMode(): [boolean, (on: boolean) => void] {
  const [compact, setCompact] = useStore<boolean>(KEY, false);
  return [compact, setCompact];
}

/** Follows the saved preference when the identity (re)loads, as the theme does. */
export function CompactFromPreferences() {
  const { data } = useGetIdentity();
  const [, setCompact] = useCompactMode();
  const pref = (data?.preferences as { compactMode?: boolean } | undefined)?.compactMode;
  useEffect(() => {
    if (pref !== undefined) {
      setCompact(pref);
    }
  }, [pref, setCompact]);
  return null;
}

/**
 * Denser controls, tables and cards everywhere below, without a reload. The outer theme is
 * extended rather than rebuilt (createTheme refuses a finished theme with CSS variables), and
 * its spacing is kept: react-admin places the content under the app bar with it.
 */
export function Density({ children }: { children: ReactNode }) {
  const [compact] = useCompactMode();
  const theme = useMemo(
    () =>
      compact
        ? (outer: Theme): Theme => {
            const c = outer.components ?? {};
            return {
              ...outer,
              components: {
                ...c,
                MuiTable: { ...c.MuiTable, defaultProps: { ...c.MuiTable?.defaultProps, size: 'small' } },
                MuiTextField: { ...c.MuiTextField, defaultProps: { ...c.MuiTextField?.defaultProps, size: 'small', margin: 'dense' } },
                MuiButton: { ...c.MuiButton, defaultProps: { ...c.MuiButton?.defaultProps, size: 'small' } },
                MuiMenuItem: { ...c.MuiMenuItem, defaultProps: { ...c.MuiMenuItem?.defaultProps, dense: true } },
                MuiList: { ...c.MuiList, defaultProps: { ...c.MuiList?.defaultProps, dense: true } },
                MuiCardContent: { ...c.MuiCardContent, styleOverrides: { root: { padding: 10, '&:last-child': { paddingBottom: 10 } } } },
                MuiTableCell: { ...c.MuiTableCell, styleOverrides: { root: { paddingTop: 2, paddingBottom: 2 } } },
              },
            };
          }
        : (outer: Theme) => outer,
    [compact],
  );
  return (
    <ThemeProvider theme={theme}>
      <Box data-density={compact ? 'compact' : 'comfortable'} sx={{ display: 'contents' }}>
        {children}
      </Box>
    </ThemeProvider>
  );
}
