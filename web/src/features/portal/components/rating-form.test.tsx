import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from '@/lib/api-client';
import { I18nProvider } from '../i18n';
import { RatingForm, type RatingFormProps } from './rating-form';

const saved = {
  score: 'bad',
  comment: 'slow',
  first_rated_at: '2026-03-01T10:00:00Z',
  rated_at: '2026-03-01T10:00:00Z',
  editable_until: '2026-03-08T10:00:00Z',
};

function renderForm(props: Partial<RatingFormProps> = {}) {
  localStorage.setItem('autocrm.portal.locale', 'en');
  render(
    <MantineProvider>
      <QueryClientProvider client={new QueryClient()}>
        <I18nProvider>
          <RatingForm token="1-2-abc" ticketId={2} rating={null} canRate solved {...props} />
        </I18nProvider>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

describe('RatingForm', () => {
  afterEach(() => vi.restoreAllMocks());

  it('sends the chosen score and comment with the ticket’s token and shows the rating', async () => {
    const put = vi
      .spyOn(api, 'PUT')
      .mockImplementation((async () => ({ data: saved, response: new Response(null, { status: 200 }) })) as unknown as typeof api.PUT);
    renderForm();
    expect(screen.getByRole('button', { name: 'Send rating' })).toBeDisabled();
    await userEvent.click(screen.getByRole('button', { name: /I am not satisfied/ }));
    await userEvent.type(screen.getByLabelText('Tell us more (optional)'), 'slow');
    await userEvent.click(screen.getByRole('button', { name: 'Send rating' }));
    await waitFor(() => expect(screen.getByTestId('current-rating')).toHaveTextContent('Your rating: Bad'));
    expect(put).toHaveBeenCalledWith('/api/v1/portal/ratings/{rating_token}', {
      params: { path: { rating_token: '1-2-abc' } },
      body: { score: 'bad', comment: 'slow' },
    });
    expect(screen.getByRole('status')).toHaveTextContent('Thank you');
  });

  it('shows a final rating without the form and asks to wait for unsolved tickets', () => {
    renderForm({ rating: saved as RatingFormProps['rating'], canRate: false });
    expect(screen.getByTestId('current-rating')).toHaveTextContent('Bad');
    expect(screen.queryByRole('button', { name: 'Send rating' })).toBeNull();
    expect(screen.getByText(/this one is final/)).toBeInTheDocument();
  });
});
