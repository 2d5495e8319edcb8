// One ticket for the crew: a lead assigns it; the assignee starts and resolves it with a note and photo.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { route } from "../router.js";
import { hasRole, session } from "../session.js";
import PhotoPicker from "./photo-picker.js";
import TicketView from "./ticket-view.js";

export default {
  components: { TicketView, PhotoPicker },
  template: `
    <div v-if="ticket">
      <ticket-view :ticket="ticket" />
      <template v-if="lead && ['open', 'assigned', 'in_progress'].includes(ticket.status)">
        <div class="section-title">{{ ticket.assignee ? "改派给" : "派单给" }}</div>
        <van-radio-group v-model="assignee">
          <van-cell-group inset>
            <van-cell v-for="m in crew" :key="m.id" clickable :data-testid="'assignee-' + m.id" @click="assignee = m.id">
              <template #title>{{ m.name }} <span class="muted">手上 {{ m.open_tickets }} 单</span></template>
              <template #right-icon><van-radio :name="m.id" /></template>
            </van-cell>
          </van-cell-group>
        </van-radio-group>
        <div class="actions"><van-button block round type="primary" :disabled="!assignee" data-testid="crew-assign" @click="assign">确认派单</van-button></div>
      </template>
      <div v-if="mine && ticket.status === 'assigned'" class="actions">
        <van-button block round type="primary" data-testid="crew-start" @click="act('start')">开始处理</van-button>
      </div>
      <template v-if="mine && ticket.status === 'in_progress'">
        <div class="section-title">处理结果</div>
        <van-cell-group inset>
          <van-field v-model.trim="note" type="textarea" rows="3" autosize placeholder="处理说明，如 已更换水龙头阀芯" data-testid="crew-note" />
        </van-cell-group>
        <div class="section-title">完工照片</div>
        <photo-picker v-model="photos" :max="1" testid="crew-photo" />
        <div class="actions"><van-button block round type="primary" :disabled="!note" data-testid="crew-resolve" @click="resolve">处理完成</van-button></div>
      </template>
    </div>`,
  setup() {
    const ticket = Vue.ref(null);
    const crew = Vue.ref([]);
    const assignee = Vue.ref(null);
    const note = Vue.ref("");
    const photos = Vue.ref([]);
    const lead = hasRole("facility_lead");
    const mine = Vue.computed(() => ticket.value?.assignee?.id === session.user.id);
    async function load() {
      ticket.value = await api.get(`/repairs/${route.params.id}`);
      if (lead) crew.value = (await api.get("/repairs/crew")).items;
    }
    async function act(action, body) {
      ticket.value = await api.post(`/repairs/${ticket.value.id}/${action}`, body);
      showToast("操作成功", "success");
    }
    async function assign() {
      await act("assign", { assignee_id: assignee.value });
    }
    async function resolve() {
      // The completion photos travel as their upload ids: they become the ticket's photos.
      await act("resolve", { note: note.value, photo_ids: photos.value.map((p) => p.id) });
    }
    Vue.onMounted(load);
    return { ticket, crew, assignee, note, photos, lead, mine, act, assign, resolve };
  },
};
