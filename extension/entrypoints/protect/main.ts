import '../../lib/ui/pages.css';
import { mountProtect } from '../../lib/protect/protect';
import { protectTranslator } from '../../lib/protect/messages';
import { BUILD_CONFIG } from '../../lib/config';
import { subscriptionsItem } from '../../lib/settings';

const t = protectTranslator(navigator.language);
document.documentElement.lang = navigator.language;
document.title = t('title');
void subscriptionsItem.getValue().then((subs) => {
  mountProtect(document.getElementById('app')!, { registryUrl: subs[0]?.url ?? BUILD_CONFIG.registryUrl, t });
});
