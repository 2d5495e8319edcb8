// One ticket for the crew: a lead assigns it; the assignee starts and resolves it with a note and photo.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { usePage, useAction } from "../ui.js";
import { route } from "../router.js";
import { hasRole, session } from "../session.js";
import PhotoPicker from "./photo-picker.js";
import TicketView from "./ticket-view.js";

export default {
  components: { TicketView, PhotoPicker },
  template: `
    <page-state :page="page" :pull="false">
      <div v-if="ticket">
        <ticket-view :ticket="ticket" />
        <template v-if="lead && ['open', 'assigned', 'in_progress'].includes(ticket.status)">
          <div class="section-title">{{ ticket.assignee ? "改派给" : "派单给" }}</div>
          <van-radio-group v-model="assignee">
            <van-cell-group inset>
              <van-cell v-for="m in page.data.crew" :key="m.id" clickable :data-testid="'assignee-' + m.id" @click="assignee = m.id">
                <template #title>{{ m.name }} <span class="muted">手上 {{ m.open_tickets }} 单</span></template>
                <template #right-icon><van-radio :name="m.id" /></template>
              </van-cell>
            </van-cell-group>
          </van-radio-group>
          <field-error :action="act" name="assignee_id" />
          <div class="actions"><van-button block round type="primary" :loading="act.busy" :disabled="!assignee" data-testid="crew-assign" @click="run('assign', { assignee_id: assignee })">确认派单</van-button></div>
        </template>
        <div v-if="mine && ticket.status === 'assigned'" class="actions">
          <van-button block round type="primary" :loading="act.busy" data-testid="crew-start" @click="run('start', {})">开始处理</van-button>
        </div>
        <template v-if="mine && ticket.status === 'in_progress'">
          <div class="section-title">处理结果</div>
          <van-cell-group inset>
            <van-field v-model.trim="note" type="textarea" rows="3" autosize required label="处理说明" placeholder="如 已更换水龙头阀芯" data-testid="crew-note"
                       :error-message="act.fields.note" />
          </van-cell-group>
          <div class="section-title">完工照片</div>
          <photo-picker v-model="photos" :max="1" testid="crew-photo" />
          <div class="actions"><van-button block round type="primary" :loading="act.busy" :disabled="!note" data-testid="crew-resolve" @click="resolve">处理完成</van-button></div>
        </template>
      </div>
    </page-state>`,
  setup() {
    const lead = hasRole("facility_lead");
    const page = usePage(async () => {
      const ticket = await api.get(`/repairs/${route.params.id}`, null, { quiet: true });
      const crew = lead ? (await api.get("/repairs/crew", null, { quiet: true })).items : [];
      return { ticket, crew };
    });
    const ticket = Vue.computed(() => page.data?.ticket);
    const assignee = Vue.ref(null);
    const note = Vue.ref("");
    const photos = Vue.ref([]);
    const mine = Vue.computed(() => ticket.value?.assignee?.id === session.user.id);
    const act = useAction((key, action, body) => api.post(`/repairs/${ticket.value.id}/${action}`, body, { key, quiet: true }));
    async function run(action, body) {
      const updated = await act.run(action, body);
      if (!updated) return;
      page.data = { ...page.data, ticket: updated };
      showToast("操作成功", "success");
    }
    function resolve() {
      // The completion photos travel as their upload ids: they become the ticket's photos.
      return run("resolve", { note: note.value, photo_ids: photos.value.map((p) => p.id) });
    }
    return { page, ticket, assignee, note, photos, lead, mine, act, run, resolve };
  },
};
