/** @jsxRuntime automatic */
import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import type { ReactNode } from 'react';

/** One sentence for the person: what happened and what to do. */
export function Notice({ title, children, intent = 'info' }: { title: string; children?: ReactNode; intent?: 'info' | 'error' | 'warning' | 'success' }) {
  return (
    <MessageBar intent={intent} layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{title}</MessageBarTitle> {children}
      </MessageBarBody>
    </MessageBar>
  );
}
