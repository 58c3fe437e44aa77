import { MantineProvider } from '@mantine/core';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { dmarcFailed, flagList, type Delivery } from '../api/deliveries';
import { channelSummary, DeliveryLine } from './delivery-line';

const inbound: Delivery = {
  id: 41,
  message_id: 7,
  channel: 'email',
  direction: 'in',
  external_id: '<abc@example.net>',
  from: 'dana@example.net',
  to: ['support@everline.example'],
  cc: ['sam@example.net'],
  subject: 'Where is my order?',
  in_reply_to: null,
  quoted_text: 'On Monday, Support wrote:\n> Your order ships tomorrow.',
  signature: 'Dana\nSent from my phone',
  auth: { spf: 'pass', dkim: 'pass', dmarc: 'pass' },
  flags: { list: [] },
  automatic: false,
  status: 'received',
  status_detail: null,
  has_raw: true,
  created_at: '2026-05-01T10:00:00Z',
  updated_at: '2026-05-01T10:00:00Z',
};

const outbound: Delivery = {
  ...inbound,
  id: 42,
  direction: 'out',
  from: 'support@everline.example',
  to: ['dana@example.net'],
  cc: [],
  quoted_text: '',
  signature: null,
  auth: null,
  flags: {},
  status: 'bounced',
  status_detail: '550 5.1.1 mailbox unavailable',
  has_raw: false,
};

const renderLine = (d: Delivery) =>
  render(
    <MantineProvider>
      <DeliveryLine delivery={d} />
    </MantineProvider>,
  );

describe('channelSummary', () => {
  it('reads like a mail header, shortening long recipient lists', () => {
    expect(channelSummary(inbound)).toBe('via e-mail · from dana@example.net · to support@everline.example · cc sam@example.net');
    expect(channelSummary({ ...outbound, to: ['a@x.test', 'b@x.test', 'c@x.test', 'd@x.test'] })).toBe(
      'via e-mail · from support@everline.example · to a@x.test, b@x.test +2 more',
    );
  });
});

describe('dmarcFailed', () => {
  it('trusts the verdict or the flag, whichever the record has', () => {
    expect(dmarcFailed(inbound)).toBe(false);
    expect(dmarcFailed({ auth: { dmarc: 'fail' }, flags: {} })).toBe(true);
    expect(dmarcFailed({ auth: null, flags: { list: ['dmarc_failed'] } })).toBe(true);
    expect(flagList(['too_large', 3])).toEqual(['too_large']);
  });
});

describe('DeliveryLine', () => {
  it('shows where an incoming mail came from, and its quoted text and signature on demand', async () => {
    renderLine(inbound);
    expect(screen.getByText(/^via e-mail · from dana@example.net/)).toBeInTheDocument();
    // Received mail needs no state badge.
    expect(screen.queryByTestId('delivery-status')).not.toBeInTheDocument();
    expect(screen.queryByTestId('dmarc-warning')).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Download .eml' })).toHaveAttribute('href', '/api/v1/deliveries/41/raw');

    expect(screen.queryByTestId('quoted-text')).not.toBeInTheDocument();
    const toggle = screen.getByRole('button', { name: 'Show quoted text' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await userEvent.click(toggle);
    const quoted = screen.getByTestId('quoted-text');
    expect(quoted).toHaveTextContent('Your order ships tomorrow.');
    expect(quoted).toHaveTextContent('Sent from my phone');
    await userEvent.click(screen.getByRole('button', { name: 'Hide quoted text' }));
    expect(screen.queryByTestId('quoted-text')).not.toBeInTheDocument();
  });

  it('shows the state of an outgoing mail with the reason it failed', () => {
    renderLine(outbound);
    const badge = screen.getByTestId('delivery-status');
    expect(badge).toHaveTextContent('bounced');
    expect(badge).toHaveAttribute('title', '550 5.1.1 mailbox unavailable');
    expect(screen.getByTestId('delivery-detail')).toHaveTextContent('550 5.1.1 mailbox unavailable');
    expect(screen.queryByRole('button', { name: /Show/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Download .eml' })).not.toBeInTheDocument();
  });

  it('labels each outgoing state', () => {
    const { rerender } = renderLine({ ...outbound, status: 'queued', status_detail: null });
    expect(screen.getByTestId('delivery-status')).toHaveTextContent('queued');
    expect(screen.getByTestId('delivery-status')).not.toHaveAttribute('title');
    rerender(
      <MantineProvider>
        <DeliveryLine delivery={{ ...outbound, status: 'suppressed', status_detail: 'the address bounced before' }} />
      </MantineProvider>,
    );
    expect(screen.getByTestId('delivery-status')).toHaveTextContent('not sent');
    expect(screen.getByTestId('delivery-status')).toHaveAttribute('title', 'the address bounced before');
  });

  it('warns when the sender failed DMARC', () => {
    renderLine({ ...inbound, auth: { spf: 'fail', dkim: 'none', dmarc: 'fail' }, flags: { list: ['dmarc_failed'] } });
    expect(screen.getByTestId('dmarc-warning')).toHaveTextContent('sender not verified');
  });
});
