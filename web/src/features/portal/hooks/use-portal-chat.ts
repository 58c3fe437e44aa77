/** Loads the chat widget for the signed-in customer and tells it who they are (see `lib/chat-widget.ts`). */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { chatIdentityQuery } from '../api/self-service';
import { identifyInChat, loadChatWidget, setChatLocale } from '../lib/chat-widget';

export function usePortalChat(signedIn: boolean, locale: string): void {
  const chat = useQuery({ ...chatIdentityQuery, enabled: signedIn });
  const data = chat.data;
  const loadedLocale = useRef<string | null>(null);

  useEffect(() => {
    if (!signedIn || !data?.enabled) return;
    loadChatWidget(data.workspace, locale);
    if (data.identity) identifyInChat(data.identity);
  }, [signedIn, data, locale]);

  // A language switch after the widget loaded.
  useEffect(() => {
    if (!signedIn || !data?.enabled) return;
    if (loadedLocale.current !== null && loadedLocale.current !== locale) setChatLocale(locale);
    loadedLocale.current = locale;
  }, [signedIn, data?.enabled, locale]);
}
