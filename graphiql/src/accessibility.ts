/**
 * What GraphiQL 4 leaves to its host for axe-core to find nothing serious (the console's bar):
 * CodeMirror's hidden textareas get the name of the section they edit; and the operation tabs,
 * whose list items hold two buttons each (select, close), which a tab (its content presentational)
 * may not, become a plain labelled list of buttons, the active one marked `aria-current`.
 * Re-applied whenever GraphiQL renders editors or tabs (React sets its attributes again on new
 * or changed tabs).
 */
function repair(root: ParentNode): void {
  for (const area of root.querySelectorAll<HTMLTextAreaElement>('.CodeMirror textarea:not([aria-label])')) {
    const section = area.closest('.graphiql-response') ? 'Response' : (area.closest('section[aria-label]')?.getAttribute('aria-label') ?? 'Editor');
    area.setAttribute('aria-label', section);
  }
  for (const list of root.querySelectorAll<HTMLElement>('ul.graphiql-tabs[role="tablist"]')) list.removeAttribute('role');
  for (const item of root.querySelectorAll<HTMLElement>('li.graphiql-tab[role], li.graphiql-tab[aria-selected]')) {
    const button = item.querySelector<HTMLButtonElement>('button.graphiql-tab-button');
    if (button) {
      if (item.getAttribute('aria-selected') === 'true') button.setAttribute('aria-current', 'true');
      else if (item.hasAttribute('aria-selected')) button.removeAttribute('aria-current');
    }
    item.removeAttribute('role');
    item.removeAttribute('aria-selected');
  }
}

export function watchAccessibility(root: HTMLElement): void {
  repair(root);
  new MutationObserver(() => repair(root)).observe(root, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-selected', 'role'] });
}
