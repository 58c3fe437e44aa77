/**
 * Features that extend the widget register here (see `../registry.ts`):
 * the tutorials feature adds a home section and a tutorial panel, the
 * satisfaction feature a conversation footer ("rate this chat") for solved
 * conversations. Each lives in its own file in this folder and is imported
 * below, so the widget stays one script.
 */
import './tutorials';
import './satisfaction';
