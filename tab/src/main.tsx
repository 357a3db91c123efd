import { FluentProvider, Spinner, teamsDarkTheme, teamsHighContrastTheme, teamsLightTheme } from '@fluentui/react-components';
import { StrictMode, useEffect, useState, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { Board } from './Board';
import { ConfigPage } from './ConfigPage';
import './board.css';
import { MyWork } from './MyWork';
import { Notice } from './Notice';
import { connectToTeams, type TeamsPlace, type Theme } from './teams';

const THEMES = { default: teamsLightTheme, dark: teamsDarkTheme, contrast: teamsHighContrastTheme } as const;

type Page = 'board' | 'mywork' | 'config';

function App({ page }: { page: Page }) {
  const [theme, setTheme] = useState<Theme>('default');
  const [place, setPlace] = useState<TeamsPlace | 'outside' | undefined>();
  useEffect(() => {
    connectToTeams(setTheme).then(
      (found) => {
        setTheme(found.theme);
        setPlace(found);
      },
      () => setPlace('outside'),
    );
  }, []);
  let content: ReactNode;
  if (place === undefined) content = <Spinner label="Connecting to Teams" />;
  else if (place === 'outside')
    content = (
      <Notice title="Open this page in Microsoft Teams">
        Liftoff's release board is a Teams tab: add Liftoff to a team or chat, then open its "Release board" tab, or "My release work" in the Liftoff app.
      </Notice>
    );
  else if (page === 'config') content = <ConfigPage />;
  else if (page === 'mywork') content = <MyWork />;
  else content = <Board scopeId={place.scopeId} />;
  return (
    <FluentProvider theme={THEMES[theme]} data-theme={theme} style={{ minHeight: '100vh' }}>
      <main style={{ padding: '12px', maxWidth: '1400px', margin: '0 auto' }}>{content}</main>
    </FluentProvider>
  );
}

const root = document.getElementById('root')!;
const page = (root.dataset.page ?? 'board') as Page;
createRoot(root).render(
  <StrictMode>
    <App page={page} />
  </StrictMode>,
);
