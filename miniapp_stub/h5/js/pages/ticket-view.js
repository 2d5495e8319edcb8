// A ticket's facts, photos and timeline: shared by the requester's and the crew's pages.
// A completion photo travels as its link inside the resolve note: shown as the photo.
import { Vue, vant } from "../vendor.js";
import { api } from "../api.js";
import { dateTime, statusText } from "../format.js";
import { CATEGORIES } from "./repairs.js";

const ACTIONS = {
  create: "提交报修", report: "提交报修", assign: "派单", reassign: "改派", start: "开始处理", resolve: "处理完成",
  confirm: "确认完成", reopen: "重新处理", cancel: "取消", rate: "评价", rating: "评价", escalate: "超时督办",
  auto_close: "自动完结", close: "完结",
};
const PHOTO_LINK = /(?:完工照片：)?(\/api\/v1\/uploads\/\d+)/g;

function splitNote(note) {
  const photos = [...(note || "").matchAll(PHOTO_LINK)].map((m) => m[1]);
  const text = (note || "").replace(PHOTO_LINK, "").split("\n").map((l) => l.trim()).filter(Boolean).join("\n");
  return { text, photos };
}

export default {
  props: { ticket: { type: Object, required: true } },
  template: `
    <div>
      <div class="status-card" :class="ticket.status">
        <div class="status-text" data-testid="ticket-status">{{ statusText('repairs', ticket.status) }}</div>
        <div class="muted">{{ CATEGORIES[ticket.category] }} · {{ ticket.location }}</div>
        <div class="muted">报修于 {{ dateTime(ticket.created_at) }}</div>
      </div>
      <van-cell-group inset>
        <van-cell title="问题描述" :label="ticket.description" />
        <van-cell title="报修人" :value="ticket.requester.name" />
        <van-cell title="维修人员" :value="ticket.assignee ? ticket.assignee.name : '待派单'" data-testid="ticket-assignee" />
        <van-cell v-if="ticket.rating" title="评价" :label="ticket.rating.comment">
          <template #value><van-rate :model-value="ticket.rating.score" readonly size="14" /></template>
        </van-cell>
      </van-cell-group>
      <div v-if="photos.length" class="photos gap">
        <img v-for="(src, i) in photos" :key="i" :src="src" class="thumb-img" data-testid="ticket-photo" alt="现场照片，点按放大" @click="preview(photos, i)">
      </div>
      <div class="section-title">处理进度</div>
      <van-steps direction="vertical" :active="0" class="timeline" data-testid="ticket-timeline">
        <van-step v-for="(e, i) in events" :key="i">
          <div class="event-title">{{ ACTIONS[e.action] || "状态更新" }} · {{ e.actor?.name || "系统" }}</div>
          <div v-if="e.text" class="event-note">{{ e.text }}</div>
          <div v-if="e.images.length" class="photos">
            <img v-for="(src, j) in e.images" :key="j" :src="src" class="thumb-img" data-testid="event-photo" alt="完工照片，点按放大" @click="preview(e.images, j)">
          </div>
          <div class="muted">{{ dateTime(e.at) }}</div>
        </van-step>
      </van-steps>
    </div>`,
  setup(props) {
    const photos = Vue.ref([]);
    const urls = new Map();
    const imageOf = (url) => {
      if (!urls.has(url)) urls.set(url, Vue.ref(""));
      const holder = urls.get(url);
      if (!holder.value) api.imageUrl(url).then((src) => { holder.value = src; }, () => {});
      return holder;
    };
    const events = Vue.computed(() => [...(props.ticket.events || [])].reverse().map((e) => {
      const { text, photos: links } = splitNote(e.note);
      return { ...e, text, images: links.map((l) => imageOf(l).value).filter(Boolean) };
    }));
    Vue.watch(() => props.ticket.photos, async (list) => {
      photos.value = await Promise.all((list || []).map((url) => api.imageUrl(url).catch(() => "")));
      photos.value = photos.value.filter(Boolean);
    }, { immediate: true });
    const preview = (images, index) => vant.showImagePreview({ images, startPosition: index, closeable: true });
    return { photos, events, preview, dateTime, statusText, CATEGORIES, ACTIONS };
  },
};
