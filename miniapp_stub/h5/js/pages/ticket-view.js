// A ticket's facts, photos and timeline: shared by the requester's and the crew's pages.
import { Vue } from "../vendor.js";
import { api, dateTime } from "../api.js";
import { CATEGORIES, TICKET_STATUS } from "./repairs.js";

const ACTIONS = {
  create: "提交报修", assign: "派单", reassign: "改派", start: "开始处理", resolve: "处理完成", confirm: "确认完成",
  reopen: "重新处理", cancel: "取消", rate: "评价", escalate: "超时督办", auto_close: "自动完结", close: "完结",
};

export default {
  props: { ticket: { type: Object, required: true } },
  template: `
    <div>
      <div class="status-card" :class="ticket.status">
        <div class="status-text" data-testid="ticket-status">{{ TICKET_STATUS[ticket.status][0] }}</div>
        <div class="muted">{{ CATEGORIES[ticket.category] }} · {{ ticket.location }}</div>
      </div>
      <van-cell-group inset>
        <van-cell title="问题描述" :label="ticket.description" />
        <van-cell title="报修人" :value="ticket.requester.name" />
        <van-cell title="维修人员" :value="ticket.assignee ? ticket.assignee.name : '待派单'" data-testid="ticket-assignee" />
        <van-cell v-if="ticket.rating" title="评价" :label="ticket.rating.comment">
          <template #value><van-rate :model-value="ticket.rating.score" readonly size="14" /></template>
        </van-cell>
      </van-cell-group>
      <div v-if="images.length" class="photos gap"><img v-for="(src, i) in images" :key="i" :src="src" class="thumb-img" data-testid="ticket-photo" alt="照片"></div>
      <div class="section-title">处理进度</div>
      <van-steps direction="vertical" :active="0" class="timeline" data-testid="ticket-timeline">
        <van-step v-for="(e, i) in events" :key="i">
          <div class="event-title">{{ ACTIONS[e.action] || e.action }} · {{ e.actor?.name || "系统" }}</div>
          <div v-if="e.note" class="event-note">{{ e.note }}</div>
          <div class="muted">{{ dateTime(e.at) }}</div>
        </van-step>
      </van-steps>
    </div>`,
  setup(props) {
    const images = Vue.ref([]);
    const events = Vue.computed(() => [...(props.ticket.events || [])].reverse());
    Vue.watch(() => props.ticket.photos, async (photos) => {
      images.value = await Promise.all((photos || []).map((url) => api.imageUrl(url)));
    }, { immediate: true });
    return { images, events, dateTime, CATEGORIES, TICKET_STATUS, ACTIONS };
  },
};
