// Admin: the partner gyms (inactive ones included), adding and editing one, deactivating it.
// Each gym's sessions and desk keys are on its own page; the monthly settlement on another.
import { Vue, vant } from "../vendor.js";
import { api, showToast } from "../api.js";
import { go } from "../router.js";
import { usePage, useAction } from "../ui.js";

const FIELDS = ["name", "address", "offer", "open_hours", "walk_in"];

const GymForm = {
  props: { gym: { type: Object, default: null } },
  emits: ["saved"],
  template: `
    <div :class="gym ? 'admin-popup' : ''" :data-testid="gym ? 'gym-edit' : 'gym-new'">
      <div v-if="gym" class="popup-title">修改场馆 · {{ gym.name }}</div>
      <van-cell-group inset>
        <van-field v-model.trim="form.name" label="名称" required data-testid="gym-name" :error-message="save.fields.name" />
        <van-field v-model.trim="form.address" label="地址" required :error-message="save.fields.address" />
        <van-field v-model.trim="form.offer" label="优惠内容" required type="textarea" rows="2" autosize data-testid="gym-offer" :error-message="save.fields.offer" />
        <van-field v-model.trim="form.open_hours" label="营业时间" placeholder="06:00-22:00" :error-message="save.fields.open_hours" />
        <van-cell title="接受散客签到" center><template #right-icon><van-switch v-model="form.walk_in" size="20" /></template></van-cell>
      </van-cell-group>
      <div class="actions"><van-button type="primary" block round :loading="save.busy" :disabled="!form.name || !form.address || !form.offer || (gym && !changes())"
        data-testid="gym-submit" @click="save.run(gym ? changes() : { ...form })">{{ gym ? '保存' : '新增场馆' }}</van-button></div>
    </div>`,
  setup(props, { emit }) {
    const start = props.gym || { name: "", address: "", offer: "", open_hours: "06:00-22:00", walk_in: true };
    const form = Vue.reactive(Object.fromEntries(FIELDS.map((f) => [f, start[f]])));
    function changes() {
      const diff = Object.fromEntries(FIELDS.filter((f) => form[f] !== props.gym[f]).map((f) => [f, form[f]]));
      return Object.keys(diff).length ? diff : null;
    }
    const save = useAction(
      (key, body) => (props.gym
        ? api.patch(`/admin/gym/gyms/${props.gym.id}`, body, { quiet: true })
        : api.post("/admin/gym/gyms", body, { key, quiet: true })),
      { done(gym) { showToast(props.gym ? "已保存" : "已新增", "success"); emit("saved", gym); } },
    );
    return { form, save, changes };
  },
};

export default {
  components: { GymForm },
  template: `
    <div class="admin">
      <div class="admin-bar first">
        <van-button type="primary" plain icon="plus" data-testid="gyms-new" @click="creating = !creating">{{ creating ? '收起' : '新增场馆' }}</van-button>
        <van-button plain data-testid="gyms-settlement" @click="go('/admin/gym/settlement')">月度结算</van-button>
      </div>
      <gym-form v-if="creating" @saved="created" />
      <page-state :page="page" empty="还没有合作场馆">
        <table class="admin-table" data-testid="gyms-table">
          <thead><tr><th>场馆</th><th class="hide-narrow">优惠</th><th class="hide-narrow">营业时间</th><th>状态</th><th>操作</th></tr></thead>
          <tbody>
            <tr v-for="g in page.data.items" :key="g.id" :class="{ inactive: !g.active }" :data-testid="'gym-row-' + g.id">
              <td>{{ g.name }}<div class="muted">{{ g.address }}</div></td>
              <td class="hide-narrow">{{ g.offer }}</td>
              <td class="hide-narrow">{{ g.open_hours }}{{ g.walk_in ? ' · 可散客' : '' }}</td>
              <td><van-tag :type="g.active ? 'success' : 'default'">{{ g.active ? '合作中' : '已停用' }}</van-tag></td>
              <td>
                <van-button size="small" type="primary" :data-testid="'gym-open-' + g.id" @click="go('/admin/gyms/' + g.id)">课程与密钥</van-button>
                <van-button size="small" plain type="primary" :data-testid="'gym-edit-' + g.id" @click="editing = g">编辑</van-button>
                <van-button size="small" plain :type="g.active ? 'danger' : 'primary'" :loading="flip.busy && flipId === g.id"
                            :data-testid="'gym-active-' + g.id" @click="toggle(g)">{{ g.active ? '停用' : '恢复' }}</van-button>
              </td>
            </tr>
          </tbody>
        </table>
      </page-state>
      <van-popup :show="!!editing" position="bottom" round closeable @update:show="(v) => { if (!v) editing = null; }">
        <gym-form v-if="editing" :key="editing.id" :gym="editing" @saved="saved" />
      </van-popup>
    </div>`,
  setup() {
    const creating = Vue.ref(false);
    const editing = Vue.ref(null);
    const flipId = Vue.ref(null);
    const page = usePage(() => api.get("/admin/gym/gyms", undefined, { quiet: true }));
    const flip = useAction((key, id, active) => api.patch(`/admin/gym/gyms/${id}`, { active }, { quiet: true }), {
      done(gym) { showToast(gym.active ? "场馆已恢复" : "场馆已停用", "success"); page.replace(gym); },
    });
    async function toggle(gym) {
      try {
        await vant.showConfirmDialog({
          title: gym.active ? `停用${gym.name}？` : `恢复${gym.name}？`,
          message: gym.active ? "停用后职工看不到该场馆，不能再预约或签到，其前台密钥也无法登录；已有记录保留。" : "恢复后职工可以重新预约。",
        });
      } catch {
        return;
      }
      flipId.value = gym.id;
      await flip.run(gym.id, !gym.active);
    }
    return {
      creating, editing, flipId, page, flip, toggle, go,
      saved(gym) { page.replace(gym); editing.value = null; },
      created() { creating.value = false; page.refresh(); },
    };
  },
};
