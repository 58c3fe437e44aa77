/** Merge this ticket into another: the conversation moves, this one closes with a link. */
import { Button, Modal, NumberInput, Stack, Text } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '@/lib/api-client';
import { useMergeTicket, type Ticket } from '../api/tickets';

export function MergeButton({ ticket, onMerged }: { ticket: Ticket; onMerged: (targetId: number) => void }) {
  const merge = useMergeTicket(ticket.id);
  const [open, setOpen] = useState(false);
  const [target, setTarget] = useState<string | number>('');

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    const id = Number(target);
    if (!Number.isSafeInteger(id) || id <= 0) return;
    merge.mutate(id, {
      onSuccess: () => {
        setOpen(false);
        onMerged(id);
      },
    });
  };

  return (
    <>
      <Button size="xs" variant="default" onClick={() => setOpen(true)} disabled={ticket.merged_into_id != null}>
        Merge…
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={`Merge ${ticket.display_number} into another ticket`}>
        <form onSubmit={handleSubmit} aria-label="Merge">
          <Stack>
            <Text size="sm">
              Its messages move to the other ticket; this one is closed with a link to it. This cannot be undone.
            </Text>
            <NumberInput label="Ticket id to merge into" min={1} required value={target} onChange={setTarget} />
            {merge.isError && (
              <Text c="red" size="sm" role="alert">
                {errorMessage(merge.error)}
              </Text>
            )}
            <Button type="submit" color="red" loading={merge.isPending}>
              Merge
            </Button>
          </Stack>
        </form>
      </Modal>
    </>
  );
}
