// One rectification: what failed, its timeline; the team submits, the inspector verifies or rejects.
import { Vue } from "../vendor.js";
import { api, dateTime, showToast } from "../api.js";
import { route } from "../router.js";
import { hasRole } from "../session.js";
import PhotoPicker from "./photo-picker.js";
import { RECT_STATUS } from "./assessment-rectifications.js";

export default {
  components: { PhotoPicker },
  template: `
    <div v-if="rect">
      <van-cell-group inset class="gap">
        <van-cell :title="rect.team.name" :label="rect.standard.code + ' ' + rect.standard.text">
          <template #value><van-tag :type="RECT_STATUS[rect.status][1]" data-testid="rect-status">{{ RECT_STATUS[rect.status][0] }}</van-tag></template>
        </van-cell>
        <van-cell title="整改期限" :value="dateTime(rect.due)" />
        <van-cell v-if="rect.note" title="整改说明" :label="rect.note" />
      </van-cell-group>
      <div v-if="photoUrls.length" class="photos gap"><img v-for="u in photoUrls" :key="u" :src="u" class="thumb-img" alt="整改照片"></div>
      <template v-if="['open', 'overdue'].includes(rect.status)">
        <div class="section-title">提交整改</div>
        <van-cell-group inset>
          <van-field v-model.trim="note" type="textarea" rows="2" autosize placeholder="整改情况说明" data-testid="rect-note" />
        </van-cell-group>
        <photo-picker v-model="photos" testid="rect-photo" />
        <div class="actions"><van-button type="primary" block round :disabled="!note" data-testid="rect-submit" @click="act('submit', { note, photo_ids: photos.map((p) => p.id) })">提交整改</van-button></div>
      </template>
      <div v-if="rect.status === 'submitted' && inspector" class="actions">
        <van-button type="primary" block round data-testid="rect-verify" @click="act('verify', { note: '复查合格' })">复查通过</van-button>
        <van-button type="warning" plain block round data-testid="rect-reject" @click="act('reject', { note: '复查不合格，请重新整改' })">复查不通过</van-button>
      </div>
      <div class="section-title">流转记录</div>
      <van-steps direction="vertical" :active="rect.events.length - 1" data-testid="rect-timeline">
        <van-step v-for="(e, i) in rect.events" :key="i">
          <div>{{ e.actor.name }} · {{ ACTIONS[e.action] || e.action }}</div>
          <div class="muted">{{ dateTime(e.at) }} {{ e.note }}</div>
        </van-step>
      </van-steps>
    </div>`,
  setup() {
    const rect = Vue.ref(null), note = Vue.ref(""), photos = Vue.ref([]), photoUrls = Vue.ref([]);
    const ACTIONS = { open: "发现问题", submit: "提交整改", verify: "复查通过", reject: "复查不通过", mark_overdue: "逾期" };
    async function show(value) {
      rect.value = value;
      photoUrls.value = await Promise.all(value.photos.map((p) => api.imageUrl(p)));
    }
    async function act(action, body) {
      await show(await api.post(`/assessment/rectifications/${rect.value.id}/${action}`, body));
      showToast("操作成功", "success");
    }
    Vue.onMounted(async () => show(await api.get(`/assessment/rectifications/${route.params.id}`)));
    return { rect, note, photos, photoUrls, act, dateTime, RECT_STATUS, ACTIONS, inspector: hasRole("inspector") };
  },
};
