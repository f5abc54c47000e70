import '../../lib/ui/pages.css';
import { browserTranslator } from '../../lib/i18n';
import { renderOptions } from '../../lib/options/options';

const t = browserTranslator();
document.documentElement.lang = navigator.language;
document.title = t('optionsTitle');
void renderOptions(document.getElementById('app')!, t);
