import { Text, Title2 } from '@fluentui/react-components';
import { pages } from '@microsoft/teams-js';
import { useEffect } from 'react';

/** The configuration page Teams shows when the channel tab is added: nothing to choose, so it is valid at once. */
export function ConfigPage() {
  useEffect(() => {
    pages.config.registerOnSaveHandler((save) => {
      const origin = window.location.origin;
      pages.config.setConfig({ entityId: 'liftoff-release-board', contentUrl: `${origin}/tab/board`, websiteUrl: `${origin}/tab/board`, suggestedDisplayName: 'Release board' }).then(
        () => save.notifySuccess(),
        (e: unknown) => save.notifyFailure(e instanceof Error ? e.message : String(e)),
      );
    });
    pages.config.setValidityState(true);
  }, []);
  return (
    <section>
      <Title2 as="h1">Release board</Title2>
      <Text block>The tab shows every workload of this team or chat against the release stages. Select Save to add it.</Text>
    </section>
  );
}
