import '../../lib/ui/pages.css';
import { browserTranslator } from '../../lib/i18n';
import { renderPopup } from '../../lib/popup/popup';

document.documentElement.lang = navigator.language;
void renderPopup(document.getElementById('app')!, browserTranslator(), location.search);
