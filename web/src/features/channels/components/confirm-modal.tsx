/** Moved to the design system so other settings pages ask the same way. */
export { ConfirmModal, type ConfirmModalProps } from '@/components/ui/confirm-modal';
