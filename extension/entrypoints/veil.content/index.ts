// The stylesheet is imported here so WXT lists it in the manifest: the browser injects it before
// the DOM exists, which is what keeps images hidden until they are checked.
import '../../lib/content/hide.css';
import { defineContentScript } from 'wxt/utils/define-content-script';
import { runContentScript } from '../../lib/content/main';

export default defineContentScript({
  matches: ['<all_urls>'],
  runAt: 'document_start',
  allFrames: true,
  matchAboutBlank: true,
  main(ctx) {
    runContentScript(ctx);
  },
});
