import { Typography } from '@mantine/core';
import './mention-chip.css';

/**
 * Renders message HTML that the server has already sanitised with ammonia
 * (no scripts, no event handlers, no `javascript:` links). The page's CSP
 * forbids inline scripts as a second line of defence. Mentions of
 * colleagues (`span[data-type=mention]`) show as chips.
 */
export function SafeHtml({ html }: { html: string }) {
  return (
    <Typography fz="sm">
      <div dangerouslySetInnerHTML={{ __html: html }} />
    </Typography>
  );
}
