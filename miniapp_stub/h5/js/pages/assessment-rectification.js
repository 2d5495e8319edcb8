// One rectification: what failed, its timeline; the team submits, the inspector verifies or rejects.
import { Vue, vant } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dateTime, statusText, statusType } from "../format.js";
import { usePage, useAction } from "../ui.js";
import { route } from "../router.js";
import { hasRole } from "../session.js";
import PhotoPicker from "./photo-picker.js";

const ACTIONS = { open: "发现问题", submit: "提交整改", verify: "复查通过", reject: "复查不通过", mark_overdue: "逾期" };

async function withPhotos(rect) {
  const photoUrls = (await Promise.all(rect.photos.map((p) => api.imageUrl(p).catch(() => "")))).filter(Boolean);
  return { rect, photoUrls };
}

export default {
  components: { PhotoPicker },
  template: `
    <page-state :page="page" :pull="false">
      <div v-if="rect">
        <van-cell-group inset class="gap">
          <van-cell :title="rect.team.name" :label="rect.standard.code + ' ' + rect.standard.text">
            <template #value><van-tag :type="statusType('assessment', rect.status)" data-testid="rect-status">{{ statusText('assessment', rect.status) }}</van-tag></template>
          </van-cell>
          <van-cell title="整改期限" :value="dateTime(rect.due)" />
          <van-cell v-if="rect.note" title="整改说明" :label="rect.note" />
        </van-cell-group>
        <div v-if="page.data.photoUrls.length" class="photos gap">
          <img v-for="(u, i) in page.data.photoUrls" :key="u" :src="u" class="thumb-img" alt="整改照片，点按放大" @click="preview(i)">
        </div>
        <template v-if="['open', 'overdue'].includes(rect.status)">
          <div class="section-title">提交整改</div>
          <van-cell-group inset>
            <van-field v-model.trim="note" type="textarea" rows="2" autosize required label="整改说明" placeholder="整改情况说明" data-testid="rect-note"
                       :error-message="act.fields.note" />
          </van-cell-group>
          <photo-picker v-model="photos" testid="rect-photo" />
          <field-error :action="act" name="photo_ids" />
          <div class="actions"><van-button type="primary" block round :loading="act.busy" :disabled="!note" data-testid="rect-submit" @click="run('submit', { note, photo_ids: photos.map((p) => p.id) })">提交整改</van-button></div>
        </template>
        <div v-if="rect.status === 'submitted' && inspector" class="actions">
          <van-button type="primary" block round :loading="act.busy" data-testid="rect-verify" @click="run('verify', { note: '复查合格' })">复查通过</van-button>
          <van-button type="warning" plain block round :loading="act.busy" data-testid="rect-reject" @click="run('reject', { note: '复查不合格，请重新整改' })">复查不通过</van-button>
        </div>
        <div class="section-title">流转记录</div>
        <van-steps direction="vertical" :active="rect.events.length - 1" data-testid="rect-timeline">
          <van-step v-for="(e, i) in rect.events" :key="i">
            <div>{{ e.actor.name }} · {{ ACTIONS[e.action] || "状态更新" }}</div>
            <div class="muted">{{ dateTime(e.at) }} {{ e.note }}</div>
          </van-step>
        </van-steps>
      </div>
    </page-state>`,
  setup() {
    const page = usePage(async () => withPhotos(await api.get(`/assessment/rectifications/${route.params.id}`, null, { quiet: true })));
    const rect = Vue.computed(() => page.data?.rect);
    const note = Vue.ref(""), photos = Vue.ref([]);
    const act = useAction((key, action, body) => api.post(`/assessment/rectifications/${rect.value.id}/${action}`, body, { key, quiet: true }));
    async function run(action, body) {
      const updated = await act.run(action, body);
      if (!updated) return;
      page.data = await withPhotos(updated);
      showToast("操作成功", "success");
    }
    const preview = (i) => vant.showImagePreview({ images: page.data.photoUrls, startPosition: i, closeable: true });
    return { page, rect, note, photos, act, run, preview, dateTime, statusText, statusType, ACTIONS, inspector: hasRole("inspector") };
  },
};
